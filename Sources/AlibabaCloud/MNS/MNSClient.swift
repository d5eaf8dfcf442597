import Foundation
import Logging
import SMSLedgerCore

/// The MNS queue operations the daemon needs, against one endpoint
/// (`https://1943695596114318.mns.cn-hangzhou.aliyuncs.com` for mainland Alicom queues).
///
/// Every request is signed with the current queue token (``QueueTokenSource``). When MNS answers
/// with an authentication error, the client reports the token as bad, gets a fresh one and retries
/// **once**; a second refusal is surfaced. Everything else is classified (``AlibabaError``) and
/// surfaced without retrying: backoff is the caller's decision (see ``Backoff``).
public struct MNSClient: Sendable {
    public static let alicomEndpoint = "https://1943695596114318.mns.cn-hangzhou.aliyuncs.com"
    static let apiVersion = "2015-06-06"
    static let xmlContentType = "text/xml;charset=UTF-8"

    public let endpoint: String
    private let tokens: any QueueTokenSource
    private let transport: any HTTPTransport
    private let now: @Sendable () -> Date
    private let logger: Logger
    /// Added to `waitseconds` for the HTTP deadline of a long poll.
    public var longPollMargin: Duration
    /// Deadline for requests that do not wait (delete, visibility).
    public var requestTimeout: Duration
    /// Told the outcome of every request (metrics); `nil` for none.
    public var observer: (any AlibabaCallObserver)?

    public init(endpoint: String = MNSClient.alicomEndpoint, tokens: any QueueTokenSource,
                transport: any HTTPTransport, longPollMargin: Duration = .seconds(10),
                requestTimeout: Duration = .seconds(15), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "smsledger.alibaba.mns")) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.tokens = tokens
        self.transport = transport
        self.longPollMargin = longPollMargin
        self.requestTimeout = requestTimeout
        self.now = now
        self.logger = logger
    }

    // MARK: Operations

    /// BatchReceiveMessage: up to `max` messages, waiting up to `waitSeconds` for the first.
    ///
    /// An empty queue (404 `MessageNotExist`) is an empty answer, not an error. The answer is read
    /// message by message (``BatchReceiveAnswer``): a message whose body does not match its
    /// `MessageBodyMD5` is returned marked corrupt (``ReceivedMessage/isCorrupt``), one that cannot be
    /// read at all is returned as an ``UnreadableMessage``, so neither holds the rest of the batch
    /// back. Only an answer whose structure cannot be trusted (truncated, not XML) throws, as
    /// `malformedResponse` with code ``AlibabaError/Code/unreadableAnswer``: receiving fewer
    /// messages at a time is then the way to get past the message that breaks it.
    public func batchReceive(queue: String, max: Int, waitSeconds: Int) async throws -> BatchReceiveAnswer {
        try await observer.observing(.mns, "BatchReceiveMessage") {
            try await receive(queue: queue, max: max, waitSeconds: waitSeconds)
        }
    }

    private func receive(queue: String, max: Int, waitSeconds: Int) async throws -> BatchReceiveAnswer {
        try Self.validate(queue: queue)
        guard (1...16).contains(max) else { throw AlibabaError.invalidInput("numOfMessages \(max) is outside 1...16") }
        guard (0...30).contains(waitSeconds) else {
            throw AlibabaError.invalidInput("waitseconds \(waitSeconds) is outside 0...30")
        }
        let target = "/queues/\(queue)/messages?numOfMessages=\(max)&waitseconds=\(waitSeconds)"
        let timeout = Duration.seconds(waitSeconds) + longPollMargin
        let (response, token) = try await send(method: "GET", target: target, body: nil, timeout: timeout)
        if response.status == 200 {
            let answer = try decoding(response, queue: queue, operation: "BatchReceiveMessage") { body in
                do {
                    return try MNSDecoding.receiveAnswer(body)
                } catch let error as AlibabaError {
                    throw AlibabaError(kind: .malformedResponse, code: AlibabaError.Code.unreadableAnswer,
                                       message: error.message)
                }
            }
            logDefects(in: answer, queue: queue)
            return answer
        }
        let error = serviceError(response, token: token)
        if error.isMessageNotExist { return BatchReceiveAnswer() }
        throw error
    }

    private func logDefects(in answer: BatchReceiveAnswer, queue: String) {
        for message in answer.messages where message.isCorrupt {
            logger.warning("MNS message body does not match its MD5", metadata: [
                LogKeys.mnsQueue: "\(queue)", LogKeys.mnsMessageId: "\(message.messageId)",
            ])
        }
        for message in answer.unreadable {
            let metadata: Logger.Metadata = [LogKeys.mnsQueue: "\(queue)",
                                             LogKeys.mnsMessageId: "\(message.messageId ?? "-")"]
            if message.receiptHandle == nil {
                logger.error("""
                    unreadable MNS message without a readable receipt handle; it cannot be deleted \
                    and will come back: \(message.reason)
                    """, metadata: metadata)
            } else {
                logger.warning("unreadable MNS message: \(message.reason)", metadata: metadata)
            }
        }
    }

    /// BatchDeleteMessage for `handles` (sent 16 at a time).
    ///
    /// Never throws for a service or network failure: the result says which handles were deleted
    /// and why the others were not (204 → all deleted; 404 `<Errors>` → the listed handles failed,
    /// the rest were deleted; any other answer → every handle of that request failed with it). A
    /// handle that failed is not lost: its message comes back after the visibility timeout.
    public func batchDelete(queue: String, handles: [ReceiptHandle]) async throws -> BatchDeleteResult {
        try Self.validate(queue: queue)
        var result = BatchDeleteResult()
        var start = 0
        while start < handles.count {
            let chunk = Array(handles[start..<Swift.min(start + 16, handles.count)])
            let chunkResult = try await deleteChunk(queue: queue, handles: chunk)
            if let observer {
                let outcome = chunkResult.failed.first.flatMap { AlibabaCallOutcome(failure: $0.error) } ?? .ok
                observer.called(.mns, operation: "BatchDeleteMessage", outcome: outcome)
            }
            result.merge(chunkResult)
            start += 16
        }
        return result
    }

    /// ChangeMessageVisibility: hides the message for `seconds` more (0 makes it visible now).
    /// Returns the **new** handle; the old one stops working.
    public func changeVisibility(queue: String, handle: ReceiptHandle, seconds: Int) async throws -> ReceiptHandle {
        try await observer.observing(.mns, "ChangeMessageVisibility") {
            try await visibility(queue: queue, handle: handle, seconds: seconds)
        }
    }

    private func visibility(queue: String, handle: ReceiptHandle, seconds: Int) async throws -> ReceiptHandle {
        try Self.validate(queue: queue)
        guard (0...43_200).contains(seconds) else {
            throw AlibabaError.invalidInput("VisibilityTimeout \(seconds) is outside 0...43200")
        }
        let target = "/queues/\(queue)/messages?ReceiptHandle=\(handle.queryValue)&VisibilityTimeout=\(seconds)"
        let (response, token) = try await send(method: "PUT", target: target, body: nil, timeout: requestTimeout)
        guard response.status == 200 else { throw serviceError(response, token: token) }
        return try decoding(response, queue: queue, operation: "ChangeMessageVisibility") {
            try MNSDecoding.changedVisibility($0).handle
        }
    }

    // MARK: Requests

    private func deleteChunk(queue: String, handles: [ReceiptHandle]) async throws -> BatchDeleteResult {
        let response: TransportResponse
        let token: QueueToken
        do {
            (response, token) = try await send(method: "DELETE", target: "/queues/\(queue)/messages",
                                      body: MNSDecoding.receiptHandlesBody(handles), timeout: requestTimeout)
        } catch let error as AlibabaError {
            return BatchDeleteResult(failed: handles.map { .init(handle: $0, error: error) })
        }
        if response.status == 204 || response.status == 200 { return BatchDeleteResult(deleted: handles) }
        let requestId = response.header("x-mns-request-id")
        if response.status == 404, let errors = MNSDecoding.deleteErrors(response.body) {
            var failedByHandle: [ReceiptHandle: AlibabaError] = [:]
            for item in errors {
                // A stale handle (or one whose message is already gone) is refused for its data, not
                // for a reason a retry or a person could fix.
                let kind: AlibabaError.Kind = ["ReceiptHandleError", "MessageNotExist"].contains(item.code)
                    ? .business : ErrorClassification.mnsKind(httpStatus: 404, code: item.code)
                failedByHandle[item.handle] = AlibabaError(kind: kind, code: item.code, message: item.message,
                                                           requestId: requestId, httpStatus: 404)
                    .redacting([token.accessKeySecret, token.securityToken])
            }
            return BatchDeleteResult(
                deleted: handles.filter { failedByHandle[$0] == nil },
                failed: handles.compactMap { handle in failedByHandle[handle].map { .init(handle: handle, error: $0) } })
        }
        let error = serviceError(response, token: token)
        return BatchDeleteResult(failed: handles.map { .init(handle: $0, error: error) })
    }

    /// Signs and sends; on an authentication error, invalidates the token, refreshes and retries once.
    /// Returns the answer (any status except that retried authentication failure) and the token used.
    private func send(method: String, target: String, body: Data?,
                      timeout: Duration) async throws -> (TransportResponse, QueueToken) {
        let token = try await tokens.token()
        let first = try await transport.execute(signedRequest(method: method, target: target, body: body, token: token),
                                                timeout: timeout)
        guard isAuthenticationFailure(first) else { return (first, token) }
        logger.info("MNS refused the queue token; refreshing and retrying once", metadata: [
            LogKeys.httpPath: "\(target.split(separator: "?").first ?? "")",
            LogKeys.errorCode: "\(MNSDecoding.serviceError(first.body)?.code ?? "HTTP\(first.status)")",
        ])
        await tokens.invalidate(token)
        let fresh = try await tokens.token()
        let second = try await transport.execute(
            signedRequest(method: method, target: target, body: body, token: fresh), timeout: timeout)
        return (second, fresh)
    }

    private func isAuthenticationFailure(_ response: TransportResponse) -> Bool {
        guard (400...499).contains(response.status) else { return false }
        let code = MNSDecoding.serviceError(response.body)?.code
        return ErrorClassification.mnsKind(httpStatus: response.status, code: code) == .authentication
    }

    /// The request with `Date`, `x-mns-version`, body headers and `Authorization`; `security-token`
    /// is added after signing, as every official SDK does (it is not part of the string-to-sign).
    func signedRequest(method: String, target: String, body: Data?, token: QueueToken) -> TransportRequest {
        Self.signedRequest(endpoint: endpoint, method: method, target: target, body: body, date: now(),
                           accessKeyId: token.accessKeyId, secret: token.accessKeySecret,
                           securityToken: token.securityToken)
    }

    /// Pure form of request signing, shared by the client and its tests.
    static func signedRequest(endpoint: String, method: String, target: String, body: Data?, date: Date,
                              accessKeyId: String, secret: String, securityToken: String?) -> TransportRequest {
        let dateText = MNSSignature.httpDate(date)
        var headers: [(name: String, value: String)] = [(name: "Date", value: dateText),
                                                        (name: "x-mns-version", value: apiVersion)]
        var contentMD5: String?
        var contentType: String?
        if let body {
            contentMD5 = MNSSignature.contentMD5(body)
            contentType = xmlContentType
            headers.append((name: "Content-Type", value: xmlContentType))
            headers.append((name: "Content-MD5", value: contentMD5 ?? ""))
        }
        let stringToSign = MNSSignature.stringToSign(method: method, contentMD5: contentMD5, contentType: contentType,
                                                     date: dateText, headers: headers, resource: target)
        headers.append((name: "Authorization",
                        value: MNSSignature.authorization(accessKeyId: accessKeyId, secret: secret,
                                                          stringToSign: stringToSign)))
        if let securityToken, !securityToken.isEmpty {
            headers.append((name: "security-token", value: securityToken))
        }
        return TransportRequest(method: method, url: endpoint + target, headers: headers, body: body)
    }

    // MARK: Answers

    /// The classified error for a non-success answer, with the credentials we sent scrubbed from the
    /// message in case the service echoes them.
    private func serviceError(_ response: TransportResponse, token: QueueToken) -> AlibabaError {
        let requestId = response.header("x-mns-request-id")
        guard let parsed = MNSDecoding.serviceError(response.body) else {
            let kind = ErrorClassification.mnsKind(httpStatus: response.status, code: nil)
            return AlibabaError(kind: kind, code: "HTTP\(response.status)",
                                message: "no MNS error document (\(response.body.count) bytes)",
                                requestId: requestId, httpStatus: response.status)
        }
        return AlibabaError(kind: ErrorClassification.mnsKind(httpStatus: response.status, code: parsed.code),
                            code: parsed.code, message: parsed.message, requestId: parsed.requestId ?? requestId,
                            httpStatus: response.status)
            .redacting([token.accessKeySecret, token.securityToken])
    }

    /// Runs a decoder over a 2xx body; a failure is logged with its context and rethrown as
    /// `malformedResponse` carrying the request id.
    private func decoding<T>(_ response: TransportResponse, queue: String, operation: String,
                             _ decode: (Data) throws -> T) throws -> T {
        do {
            return try decode(response.body)
        } catch let error as AlibabaError {
            var error = error
            error.requestId = response.header("x-mns-request-id")
            error.httpStatus = response.status
            logger.error("unreadable MNS answer", metadata: [
                LogKeys.mnsQueue: "\(queue)", "mns.operation": "\(operation)", LogKeys.error: "\(error)",
                LogKeys.requestId: "\(error.requestId ?? "-")",
            ])
            throw error
        }
    }

    /// MNS queue names are letters, digits and `-` (Alicom's are `Alicom-Queue-<uid>-<type>`).
    /// Checked so a bad config value cannot change the request path.
    static func validate(queue: String) throws {
        let valid = !queue.isEmpty && queue.utf8.count <= 256 && queue.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
        }
        guard valid else { throw AlibabaError.invalidInput("queue name \(queue) has characters MNS does not allow") }
    }
}

import AlibabaCloud
import Foundation
import SMSLedgerCore

/// An Alicom MNS queue as a ``MessageSource``: maps the MNS client's answers and errors onto what
/// the consume cycle understands.
public struct MNSMessageSource: MessageSource {
    public let queueName: String
    private let client: MNSClient

    public init(queueName: String, client: MNSClient) {
        self.queueName = queueName
        self.client = client
    }

    public func receive(max: Int, waitSeconds: Int) async throws -> [SourceMessage] {
        let answer: BatchReceiveAnswer
        do {
            answer = try await client.batchReceive(queue: queueName, max: max, waitSeconds: waitSeconds)
        } catch let error as AlibabaError {
            throw SourceError(Self.kind(of: error), error.description,
                              answerUnreadable: error.code == AlibabaError.Code.unreadableAnswer)
        }
        return answer.messages.map(Self.sourceMessage) + answer.unreadable.compactMap(Self.sourceMessage)
    }

    static func sourceMessage(_ message: ReceivedMessage) -> SourceMessage {
        var corruption: String?
        if case .mismatch(let expected, let actual) = message.integrity {
            corruption = "MessageBodyMD5 mismatch: MNS said \(expected), body hashes to \(actual)"
        }
        return SourceMessage(messageId: message.messageId, receiptHandle: message.receiptHandle.rawValue,
                             body: message.body, dequeueCount: message.dequeueCount ?? 1, corruption: corruption,
                             enqueuedAt: message.enqueueTime)
    }

    /// An unreadable message that can be deleted; one without a handle is left to come back (the
    /// client has logged it), since nothing taken from it could ever be acknowledged.
    static func sourceMessage(_ message: UnreadableMessage) -> SourceMessage? {
        guard let handle = message.receiptHandle else { return nil }
        return SourceMessage(messageId: message.messageId ?? "", receiptHandle: handle.rawValue,
                             body: String(decoding: message.raw, as: UTF8.self), dequeueCount: 1,
                             unreadable: .init(reason: message.reason, raw: message.raw))
    }

    public func delete(_ handles: [String]) async -> [(handle: String, reason: String)] {
        guard !handles.isEmpty else { return [] }
        do {
            let result = try await client.batchDelete(queue: queueName, handles: handles.map { ReceiptHandle(rawValue: $0) })
            return result.failed.map { ($0.handle.rawValue, $0.error.description) }
        } catch {
            return handles.map { ($0, "\(error)") }
        }
    }

    /// The consume cycle's view of an Alibaba error. A refused token reaching us means the client's
    /// own refresh-and-retry already failed, so it is backed off like a transient error.
    static func kind(of error: AlibabaError) -> ConsumeFailure.Kind {
        switch error.kind {
        case .configuration, .business: return .configuration
        case .authentication: return .authentication
        case .transient, .malformedResponse: return .transient
        }
    }
}

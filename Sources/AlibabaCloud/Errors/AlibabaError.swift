import Foundation

/// Anything that went wrong talking to Alibaba Cloud, sorted by what the caller should do about it.
///
/// The kind is the decision; `code`, `message`, `requestId` and `httpStatus` are the evidence an
/// operator needs to open a ticket with Alibaba. Build these only from what the service said (or
/// from a transport failure): never from our own secrets, so logging an error is always safe.
/// Server messages are passed through ``redacting(_:)`` by the clients as a second line of defence.
public struct AlibabaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What to do about it.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Needs a person: wrong queue name, missing permission, bad long-term key, a request we
        /// built wrongly (`MalformedXML`, `InvalidArgument`), a host clock far off. Retrying will
        /// not help; the piece that hit it should stop loudly.
        case configuration
        /// The temporary MNS credentials were refused: refresh the token, then retry once.
        case authentication
        /// Worth retrying with backoff: 5xx, timeouts, resets, refused connections, throttling.
        case transient
        /// The service understood the request and refused it for a reason in its data: Dysms
        /// `Code != OK` on HTTP 200, or an MNS receipt handle that is no longer valid. Retrying the
        /// same request unchanged does not help (except `isp.SYSTEM_ERROR`, see ``isRetryable``).
        case business
        /// An answer we could not parse. Logged with context by the client; retried like `transient`
        /// because a proxy or a cut connection is the usual cause.
        case malformedResponse
    }

    public var kind: Kind
    /// The service's code (`QueueNotExist`, `Throttling.User`, `isv.MOBILE_NUMBER_ILLEGAL`), or one
    /// of ours for local failures (``Code``).
    public var code: String
    public var message: String
    public var requestId: String?
    public var httpStatus: Int?

    public init(kind: Kind, code: String, message: String, requestId: String? = nil, httpStatus: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestId = requestId
        self.httpStatus = httpStatus
    }

    /// Codes we make up for failures that never reached the service.
    public enum Code {
        public static let timeout = "Timeout"
        public static let connectionRefused = "ConnectionRefused"
        public static let connectionReset = "ConnectionReset"
        public static let transport = "TransportError"
        /// The caller passed a value the API cannot accept (page size 60, 17 handles...).
        public static let invalidInput = "InvalidInput"
        public static let malformedResponse = "MalformedResponse"
        /// A receive answer that could not be cut into messages at all (see `MNSClient.batchReceive`).
        public static let unreadableAnswer = "UnreadableAnswer"
    }

    /// Whether the same request may succeed later without a person stepping in.
    ///
    /// `authentication` counts as retryable because the cure (a new token) is automatic; the MNS
    /// client already does that once before surfacing it.
    public var isRetryable: Bool {
        switch kind {
        case .transient, .malformedResponse, .authentication: true
        case .configuration: false
        case .business: code == "isp.SYSTEM_ERROR" || code.hasPrefix("Throttling")
        }
    }

    /// `MessageNotExist`: an empty queue after a long poll (normal), or a receipt handle that
    /// expired before the delete.
    public var isMessageNotExist: Bool { code == "MessageNotExist" }

    public var description: String {
        var parts = ["\(kind.rawValue) error \(code)"]
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let requestId { parts.append("request \(requestId)") }
        let text = message.count > 300 ? String(message.prefix(300)) + "…" : message
        return parts.joined(separator: ", ") + (text.isEmpty ? "" : ": \(text)")
    }

    /// A copy whose message has every occurrence of the given secrets replaced by `<redacted>`.
    /// Clients pass the secret and token they signed with, in case a server (or an emulator)
    /// echoes them back in an error message.
    public func redacting(_ secrets: [String]) -> AlibabaError {
        var copy = self
        for secret in secrets where secret.count >= 4 {
            copy.message = copy.message.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return copy
    }

    static func invalidInput(_ message: String) -> AlibabaError {
        AlibabaError(kind: .configuration, code: Code.invalidInput, message: message)
    }

    static func malformed(_ message: String, requestId: String? = nil, httpStatus: Int? = nil) -> AlibabaError {
        AlibabaError(kind: .malformedResponse, code: Code.malformedResponse, message: message,
                     requestId: requestId, httpStatus: httpStatus)
    }
}

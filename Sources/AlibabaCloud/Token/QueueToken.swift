import Foundation

/// The kind of Alicom message a queue carries; also the `MessageType` parameter of
/// `QueryTokenForMnsQueue` and the suffix of the queue name (`Alicom-Queue-<uid>-SmsReport`).
///
/// A struct rather than an enum because Alicom has more types (`SignSmsReport`, `VoiceReport`...)
/// and a config file may name one we do not know yet.
public struct AlicomMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Delivery receipts.
    public static let smsReport = AlicomMessageType(rawValue: "SmsReport")
    /// Replies from phones (MO messages).
    public static let smsUp = AlicomMessageType(rawValue: "SmsUp")

    public var description: String { rawValue }
}

/// Temporary credentials for one Alicom MNS queue, from Dybaseapi `QueryTokenForMnsQueue`.
///
/// The secret and the token never appear in `description`, `debugDescription` or a `Mirror`
/// (so `dump`, string interpolation and `Logger` metadata are all safe).
public struct QueueToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public var messageType: AlicomMessageType
    /// `STS.…`
    public var accessKeyId: String
    public var accessKeySecret: String
    /// Sent as the `security-token` header, after signing.
    public var securityToken: String
    /// From `ExpireTime` (Beijing wall time, parsed as UTC+8 whatever the host zone).
    public var expiresAt: Date
    public var createdAt: Date?

    public init(messageType: AlicomMessageType, accessKeyId: String, accessKeySecret: String,
                securityToken: String, expiresAt: Date, createdAt: Date? = nil) {
        self.messageType = messageType
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.securityToken = securityToken
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    /// Whether two values are the same issued credential (not just equal expiry).
    func isSameCredential(as other: QueueToken) -> Bool {
        accessKeyId == other.accessKeyId && securityToken == other.securityToken
    }

    public var description: String {
        "QueueToken(\(messageType), \(accessKeyId), expires \(expiresAt))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["messageType": messageType, "accessKeyId": accessKeyId, "expiresAt": expiresAt],
               displayStyle: .struct)
    }
}

/// Where the MNS client gets the credentials it signs with.
///
/// ``MNSTokenProvider`` is the production source (Dybaseapi tokens, refreshed before expiry).
public protocol QueueTokenSource: Sendable {
    /// A token valid now, refreshed first if it is about to expire.
    func token() async throws -> QueueToken
    /// Reports that MNS refused `token`; the next ``token()`` fetches a new one (once, however
    /// many callers report the same token).
    func invalidate(_ token: QueueToken) async
}

/// Something that can fetch a new token (``DybaseapiClient`` in production).
public protocol QueueTokenFetching: Sendable {
    func queryTokenForMnsQueue(messageType: AlicomMessageType, queueName: String?) async throws -> QueueToken
}

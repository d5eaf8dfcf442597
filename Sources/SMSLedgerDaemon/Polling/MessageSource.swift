import SMSLedgerCore

/// One message taken from a queue, not yet acknowledged.
public struct SourceMessage: Sendable, Equatable {
    public var messageId: String
    /// Proof of receipt; deleting with it acknowledges the message. Valid until the visibility timeout.
    public var receiptHandle: String
    /// The body text exactly as the queue holds it (base64 for Alicom queues).
    public var body: String
    public var dequeueCount: Int
    /// Set when the body failed its integrity check (`MessageBodyMD5`): it is quarantined, not parsed.
    public var corruption: String?

    public init(messageId: String, receiptHandle: String, body: String, dequeueCount: Int, corruption: String? = nil) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.body = body
        self.dequeueCount = dequeueCount
        self.corruption = corruption
    }
}

/// Where a poller gets messages from and acknowledges them: the seam between the consume cycle and
/// MNS (or anything else that delivers at least once).
public protocol MessageSource: Sendable {
    /// The queue's name, for logs and the journal.
    var queueName: String { get }
    /// One long poll. Returns an empty array when nothing arrived within `waitSeconds`.
    /// Throws ``SourceError`` so the poller can follow the error's class.
    func receive(max: Int, waitSeconds: Int) async throws -> [SourceMessage]
    /// Acknowledge. Returns the handles that could not be deleted, with the reason; those messages
    /// come back later and the idempotent write absorbs them.
    func delete(_ handles: [String]) async -> [(handle: String, reason: String)]
}

/// A failure of a message source, already classified by what the poller should do.
public struct SourceError: Error, Sendable, CustomStringConvertible {
    public var kind: ConsumeFailure.Kind
    public var message: String

    public init(_ kind: ConsumeFailure.Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

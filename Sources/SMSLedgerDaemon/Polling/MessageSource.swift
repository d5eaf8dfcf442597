import Foundation
import SMSLedgerCore

/// One message taken from a queue, not yet acknowledged.
public struct SourceMessage: Sendable, Equatable {
    public var messageId: String
    /// Proof of receipt; deleting with it acknowledges the message. Valid until the visibility timeout.
    public var receiptHandle: String
    /// The body text exactly as the queue holds it (base64 for Alicom queues).
    public var body: String
    public var dequeueCount: Int
    /// Set when the body failed its integrity check (`MessageBodyMD5`): it is left for redelivery
    /// (the damage may have happened on the way), and quarantined once it keeps arriving damaged.
    public var corruption: String?
    /// Set when the message could not be read at all: it is quarantined at once with these bytes and
    /// then deleted, so that it cannot come back with other messages again and again.
    public var unreadable: Unreadable?
    /// When the queue took the message in (MNS `EnqueueTime`), if it said; for the enqueue-to-commit
    /// latency and the age of what is in flight.
    public var enqueuedAt: Date?

    /// What is known of a message that could not be read.
    public struct Unreadable: Sendable, Equatable {
        /// Which rule it broke and where, for the quarantine row.
        public var reason: String
        /// The bytes as received (its body, or its whole element when the body could not be found).
        public var raw: Data

        public init(reason: String, raw: Data) {
            self.reason = reason
            self.raw = raw
        }
    }

    public init(messageId: String, receiptHandle: String, body: String, dequeueCount: Int, corruption: String? = nil,
                unreadable: Unreadable? = nil, enqueuedAt: Date? = nil) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.body = body
        self.dequeueCount = dequeueCount
        self.corruption = corruption
        self.unreadable = unreadable
        self.enqueuedAt = enqueuedAt
    }
}

/// Where a poller gets messages from and acknowledges them: the seam between the consume cycle and
/// MNS (or anything else that delivers at least once).
public protocol MessageSource: Sendable {
    /// The queue's name, for logs and the journal.
    var queueName: String { get }
    /// One long poll. Returns an empty array when nothing arrived within `waitSeconds`. A message that
    /// could not be read but can be deleted is returned with ``SourceMessage/unreadable`` set.
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
    /// The answer arrived but could not be read as a whole, and no message in it could be told apart:
    /// receive fewer messages at a time (``ReceiveBatchSize``) to get past the one that breaks it.
    public var answerUnreadable: Bool

    public init(_ kind: ConsumeFailure.Kind, _ message: String, answerUnreadable: Bool = false) {
        self.kind = kind
        self.message = message
        self.answerUnreadable = answerUnreadable
    }

    public var description: String { message }
}

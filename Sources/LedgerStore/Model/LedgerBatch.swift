import Foundation
import SMSLedgerCore

/// One piece of news as it reached us: the event, the queue message that carried it, and when.
public struct Received<Event: Sendable & Hashable>: Sendable, Hashable {
    public var event: Event
    /// The MNS `MessageId`, so an operator can match a row to the queue's own logs. `nil` for HTTP
    /// callbacks and compensation.
    public var mnsMessageId: String?
    /// When SMSLedger received it (not when the provider sent or reported it).
    public var receivedAt: Date

    public init(_ event: Event, mnsMessageId: String? = nil, receivedAt: Date = Date()) {
        self.event = event
        self.mnsMessageId = mnsMessageId.flatMap { $0.isEmpty ? nil : $0 }
        self.receivedAt = receivedAt
    }
}

/// Everything to store in one transaction, typically what one `ReceiveMessage` call returned
/// (up to 16 MNS messages) or one page of compensation results.
public struct LedgerBatch: Sendable, Hashable {
    public var receipts: [Received<DeliveryReceipt>]
    public var replies: [Received<InboundMessage>]
    public var quarantine: [Received<QuarantineEntry>]
    /// Sends to track. A send already known gains the fields it lacked; nothing is erased.
    public var sends: [SendRecord]
    /// How long after its `sentAt` compensation should first ask about each send in ``sends``.
    /// Receipts usually arrive within minutes, so asking earlier only wastes API calls.
    public var firstCheckDelay: TimeInterval

    public init(receipts: [Received<DeliveryReceipt>] = [], replies: [Received<InboundMessage>] = [],
                quarantine: [Received<QuarantineEntry>] = [], sends: [SendRecord] = [],
                firstCheckDelay: TimeInterval = 0) {
        self.receipts = receipts
        self.replies = replies
        self.quarantine = quarantine
        self.sends = sends
        self.firstCheckDelay = firstCheckDelay
    }

    /// Adds what a normaliser produced, so a poller can fill a batch without switching on the event.
    public mutating func append(_ event: LedgerEvent, mnsMessageId: String? = nil, receivedAt: Date = Date()) {
        switch event {
        case .receipt(let receipt):
            receipts.append(Received(receipt, mnsMessageId: mnsMessageId, receivedAt: receivedAt))
        case .inbound(let message):
            replies.append(Received(message, mnsMessageId: mnsMessageId, receivedAt: receivedAt))
        case .quarantine(let entry):
            quarantine.append(Received(entry, mnsMessageId: mnsMessageId, receivedAt: receivedAt))
        }
    }

    public var isEmpty: Bool { receipts.isEmpty && replies.isEmpty && quarantine.isEmpty && sends.isEmpty }
}

/// How many items of one kind were new and how many the ledger already had.
public struct ItemCount: Sendable, Hashable, CustomStringConvertible {
    public var new: Int
    public var duplicate: Int

    public init(new: Int = 0, duplicate: Int = 0) {
        self.new = new
        self.duplicate = duplicate
    }

    public var description: String { "\(new) new, \(duplicate) duplicate" }
}

/// What a commit did, per kind. Duplicates are normal (MNS redelivers until a message is deleted),
/// so they are counted rather than reported as errors.
public struct CommitSummary: Sendable, Hashable {
    public var receipts = ItemCount()
    public var replies = ItemCount()
    /// A duplicate quarantine body bumped the count of the existing row.
    public var quarantine = ItemCount()
    /// New: the send became tracked with this batch. Duplicate: it was tracked already.
    public var sends = ItemCount()
    /// New receipts whose send was not known yet; each created an untracked send row.
    public var orphanReceipts = 0
    /// New receipts that changed their send's state.
    public var sendsUpdated = 0

    public init() {}
}

import Foundation
import SMSLedgerCore

/// Filters for reading the ledger. Unset filters match everything; set filters are combined with AND.
///
/// A filter applies to the tables that have that column and is ignored elsewhere: `phoneNumber`,
/// `bizId`, `outId`, `state` do not apply to quarantine; `bizId`, `outId`, `state`, `provider` do not
/// apply to replies. The time range is on each table's main time column: `receivedAt` for receipts
/// and replies, `sentAt` for sends, `lastSeen` for quarantine.
public struct LedgerQuery: Sendable, Hashable {
    public var phoneNumber: String?
    public var bizId: String?
    public var outId: String?
    public var state: DeliveryState?
    public var provider: Provider?
    /// Receipts and quarantine only.
    public var source: EventSource?
    /// Inclusive lower bound.
    public var from: Date?
    /// Exclusive upper bound, so consecutive ranges never count a row twice.
    public var to: Date?
    public var limit: Int

    public init(phoneNumber: String? = nil, bizId: String? = nil, outId: String? = nil,
                state: DeliveryState? = nil, provider: Provider? = nil, source: EventSource? = nil,
                from: Date? = nil, to: Date? = nil, limit: Int = 100) {
        self.phoneNumber = phoneNumber
        self.bizId = bizId
        self.outId = outId
        self.state = state
        self.provider = provider
        self.source = source
        self.from = from
        self.to = to
        self.limit = limit
    }

    /// Everything, up to `limit` rows.
    public static func all(limit: Int = 100) -> LedgerQuery { LedgerQuery(limit: limit) }
}

/// A receipt as stored.
public struct StoredReceipt: Sendable, Hashable {
    public var id: Int64
    public var receipt: DeliveryReceipt
    public var mnsMessageId: String?
    public var receivedAt: Date

    package init(id: Int64, receipt: DeliveryReceipt, mnsMessageId: String?, receivedAt: Date) {
        self.id = id
        self.receipt = receipt
        self.mnsMessageId = mnsMessageId
        self.receivedAt = receivedAt
    }
}

/// A reply from a phone as stored.
public struct StoredReply: Sendable, Hashable {
    public var id: Int64
    public var message: InboundMessage
    public var mnsMessageId: String?
    public var receivedAt: Date

    package init(id: Int64, message: InboundMessage, mnsMessageId: String?, receivedAt: Date) {
        self.id = id
        self.message = message
        self.mnsMessageId = mnsMessageId
        self.receivedAt = receivedAt
    }
}

/// A quarantined body with how often and when it was seen.
public struct StoredQuarantine: Sendable, Hashable {
    public var id: Int64
    public var entry: QuarantineEntry
    /// Hex SHA-256 of the source and body: the identity that makes a repeat bump ``count``.
    public var digest: String
    public var firstSeen: Date
    public var lastSeen: Date
    public var count: Int

    package init(id: Int64, entry: QuarantineEntry, digest: String, firstSeen: Date, lastSeen: Date, count: Int) {
        self.id = id
        self.entry = entry
        self.digest = digest
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
    }
}

/// Identifies one send: unique per provider, send id and phone (phone absent for TeleSign).
public struct SendKey: Sendable, Hashable, CustomStringConvertible {
    public var provider: Provider
    public var bizId: String
    public var phoneNumber: String?

    public init(provider: Provider, bizId: String, phoneNumber: String?) {
        self.provider = provider
        self.bizId = bizId
        self.phoneNumber = phoneNumber.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var description: String { "\(provider.rawValue):\(bizId):\(phoneNumber ?? "-")" }
}

/// A send and where it stands: its own facts, the state derived from its receipts, and the
/// compensation job's bookkeeping.
public struct TrackedSend: Sendable, Hashable {
    public var id: Int64
    public var key: SendKey
    public var outId: String?
    public var sentAt: Date?
    public var templateCode: String?
    public var signName: String?
    /// `false` while the send is known only from receipts (an orphan); `true` once tracked.
    public var tracked: Bool
    public var status: DeliveryStatus
    /// The provider's code of the report that set ``status``.
    public var providerCode: String?
    public var lastReportAt: Date?
    public var nextCheckAt: Date?
    public var checkCount: Int
    public var lastCheckedAt: Date?
    /// Why compensation gave up on this send, when it did.
    public var closedReason: String?

    package init(id: Int64, key: SendKey, outId: String?, sentAt: Date?, templateCode: String?, signName: String?,
                 tracked: Bool, status: DeliveryStatus, providerCode: String?, lastReportAt: Date?,
                 nextCheckAt: Date?, checkCount: Int, lastCheckedAt: Date?, closedReason: String?) {
        self.id = id
        self.key = key
        self.outId = outId
        self.sentAt = sentAt
        self.templateCode = templateCode
        self.signName = signName
        self.tracked = tracked
        self.status = status
        self.providerCode = providerCode
        self.lastReportAt = lastReportAt
        self.nextCheckAt = nextCheckAt
        self.checkCount = checkCount
        self.lastCheckedAt = lastCheckedAt
        self.closedReason = closedReason
    }

    /// The send as a ``SendRecord``, e.g. for asking QuerySendDetails about it. `nil` for a send known
    /// only from a receipt that did not say when it was sent (tracked sends always have `sentAt`).
    public var record: SendRecord? {
        guard let sentAt else { return nil }
        return SendRecord(provider: key.provider, bizId: key.bizId, phoneNumber: key.phoneNumber, outId: outId,
                          sentAt: sentAt, templateCode: templateCode, signName: signName)
    }
}

/// What the compensation job decided about one send after asking the provider.
public struct SendCheck: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Still open: ask again at this time.
        case checkAgain(at: Date)
        /// Give up: close the send as `unknown` (final), e.g. "older than 30 days, QuerySendDetails
        /// cannot see it any more".
        case close(reason: String)
    }

    public var send: SendKey
    public var checkedAt: Date
    public var outcome: Outcome

    public init(send: SendKey, checkedAt: Date, outcome: Outcome) {
        self.send = send
        self.checkedAt = checkedAt
        self.outcome = outcome
    }
}

/// Rows per table.
public struct LedgerCounts: Sendable, Hashable, CustomStringConvertible {
    public var receipts: Int
    public var replies: Int
    public var sends: Int
    /// Sends tracked and not final: what compensation still watches.
    public var openSends: Int
    public var quarantine: Int

    public init(receipts: Int = 0, replies: Int = 0, sends: Int = 0, openSends: Int = 0, quarantine: Int = 0) {
        self.receipts = receipts
        self.replies = replies
        self.sends = sends
        self.openSends = openSends
        self.quarantine = quarantine
    }

    public var description: String {
        "receipts=\(receipts) replies=\(replies) sends=\(sends) open=\(openSends) quarantine=\(quarantine)"
    }
}

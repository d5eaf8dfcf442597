import Foundation

/// An open send whose check is due, as the planner sees it: identity, send time, checks so far.
///
/// The store's `TrackedSend` carries more; the daemon maps it to this so the decisions stay in
/// this module, free of the store.
public struct DueSend: Sendable, Hashable {
    public var provider: Provider
    public var bizId: String
    public var phoneNumber: String?
    public var sentAt: Date?
    /// Checks already recorded for this send.
    public var checkCount: Int

    public init(provider: Provider, bizId: String, phoneNumber: String?, sentAt: Date?, checkCount: Int) {
        self.provider = provider
        self.bizId = bizId
        self.phoneNumber = phoneNumber.flatMap { $0.isEmpty ? nil : $0 }
        self.sentAt = sentAt
        self.checkCount = max(0, checkCount)
    }
}

/// One `QuerySendDetails` conversation: one phone, one Beijing send date, one biz id, as many pages
/// as it takes.
///
/// The answer rows do not repeat the `BizId` they belong to, so a row can only be attributed to a
/// send when the question named it: every lookup passes `BizId`.
public struct SendDetailsLookup: Sendable, Hashable {
    public var phoneNumber: String
    /// `yyyyMMdd`, Beijing.
    public var sendDate: String
    public var bizId: String
    public var send: DueSend

    public init(phoneNumber: String, sendDate: String, bizId: String, send: DueSend) {
        self.phoneNumber = phoneNumber
        self.sendDate = sendDate
        self.bizId = bizId
        self.send = send
    }
}

/// The due sends to one phone on one Beijing day: what QuerySendDetails is keyed by.
public struct SendDetailsQuery: Sendable, Hashable {
    public var phoneNumber: String
    /// `yyyyMMdd`, Beijing.
    public var sendDate: String
    /// In due order; biz ids are unique within a query (a send is unique per biz id and phone).
    public var sends: [DueSend]

    public init(phoneNumber: String, sendDate: String, sends: [DueSend]) {
        self.phoneNumber = phoneNumber
        self.sendDate = sendDate
        self.sends = sends
    }

    /// The biz ids wanted.
    public var bizIds: [String] { sends.map(\.bizId) }

    /// One lookup per wanted biz id.
    public var lookups: [SendDetailsLookup] {
        sends.map { SendDetailsLookup(phoneNumber: phoneNumber, sendDate: sendDate, bizId: $0.bizId, send: $0) }
    }
}

/// What the compensation job concluded about one send, and what to record.
public struct CompensationDecision: Sendable, Hashable {
    /// What the job found out.
    public enum Finding: Sendable, Hashable {
        /// A final row: its receipt goes through the ledger's receipt path, which closes the send.
        case settled(DeliveryState)
        /// A row saying "no receipt yet" (`SendStatus` 1), or a status we do not know.
        case stillPending
        /// No row for this biz id and phone.
        case notFound
        /// Alibaba refused this one question (a business error such as an illegal number).
        case refused(code: String)
        /// The send date left the query window before the send settled.
        case windowClosed
        /// The send cannot be asked about (another provider, no phone number), so it only waits.
        case notQueryable(reason: String)
    }

    /// What to record: the same two choices as the store's `SendCheck.Outcome`.
    public enum Outcome: Sendable, Hashable {
        /// Ask again at this time. For a settled send this is only a fallback: the store keeps a
        /// final send final and stops its checks.
        case checkAgain(at: Date)
        /// Close the send as `unknown` (final) with this reason.
        case close(reason: String)
    }

    public var send: DueSend
    public var checkedAt: Date
    public var finding: Finding
    public var outcome: Outcome

    public init(send: DueSend, checkedAt: Date, finding: Finding, outcome: Outcome) {
        self.send = send
        self.checkedAt = checkedAt
        self.finding = finding
        self.outcome = outcome
    }
}

/// The work of one tick: the questions to ask, and the decisions that need no question.
public struct CompensationPlan: Sendable, Hashable {
    public var queries: [SendDetailsQuery]
    /// Sends closed or re-scheduled without asking (window closed, not queryable).
    public var decisions: [CompensationDecision]

    public init(queries: [SendDetailsQuery] = [], decisions: [CompensationDecision] = []) {
        self.queries = queries
        self.decisions = decisions
    }

    /// Every lookup of every query, in plan order.
    public var lookups: [SendDetailsLookup] { queries.flatMap(\.lookups) }
}

/// What the rows of one lookup amount to: receipts to store, bodies to quarantine, and the decision.
public struct LookupOutcome: Sendable, Hashable {
    /// Final rows, and rows with a status we do not know (kept as news); never plain "waiting" rows.
    public var receipts: [DeliveryReceipt]
    public var warnings: [NormalisationWarning]
    /// Rows that could not be normalised, kept whole.
    public var quarantine: [QuarantineEntry]
    /// Rows about another phone or another biz id, which say nothing about this send.
    public var ignoredRows: Int
    public var decision: CompensationDecision

    public init(receipts: [DeliveryReceipt], warnings: [NormalisationWarning], quarantine: [QuarantineEntry],
                ignoredRows: Int, decision: CompensationDecision) {
        self.receipts = receipts
        self.warnings = warnings
        self.quarantine = quarantine
        self.ignoredRows = ignoredRows
        self.decision = decision
    }
}

import Foundation
import LedgerStore
import SMSLedgerCore

/// A send's unique key as the table holds it (phone '' when absent).
struct SendKeyText: Hashable {
    let provider: String
    let bizId: String
    let phone: String

    init(_ provider: String, _ bizId: String, _ phone: String) {
        self.provider = provider
        self.bizId = bizId
        self.phone = phone
    }
}

/// A send row as the PostgreSQL writer holds it while it merges one batch.
struct SendState: Sendable, Hashable, Codable {
    /// `nil` until the row exists in the database: the merger created it for this batch.
    var id: Int64?
    var provider: String
    var bizId: String
    /// '' when the send has no phone (TeleSign), as in the table.
    var phoneNumber: String
    var outId: String?
    var sentAt: Int64?
    var templateCode: String?
    var signName: String?
    var tracked: Bool
    var state: String
    var isFinal: Bool
    var retryable: Bool?
    var providerCode: String?
    var lastReportAt: Int64?
    var nextCheckAt: Int64?

    /// An unrecognised state (written by a newer build) reads as a non-final `unknown`, which any new
    /// report may replace, as in the SQLite writer.
    var status: DeliveryStatus {
        let known = DeliveryState(rawValue: state)
        return DeliveryStatus(state: known ?? .unknown, isFinal: known != nil && isFinal)
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, bizId = "biz_id", phoneNumber = "phone_number", outId = "out_id", sentAt = "sent_at"
        case templateCode = "template_code", signName = "sign_name", tracked, state, isFinal = "is_final"
        case retryable, providerCode = "provider_code", lastReportAt = "last_report_at"
        case nextCheckAt = "next_check_at"
    }
}

/// The PostgreSQL writer's send merge, as a pure state machine over the rows of one batch.
///
/// The SQLite writer merges row by row with a statement each; over a network that is a round trip per
/// message. Here the writer locks every stored row the batch can touch (all rows of its send ids, so
/// a phoneless receipt can find its send under any phone), this type applies the batch to them in
/// memory with exactly the SQLite writer's rules, and the writer stores the result with one insert
/// and one update. Tested without a database (SendMergerTests); the conformance suite checks that
/// both backends agree.
struct SendMerger {
    private(set) var rows: [SendState]
    /// Whether each row of ``rows`` changed (new rows are written whatever this says).
    private var changed: [Bool]

    /// What a receipt did to its send, with the send's position in ``rows``.
    enum Effect: Equatable { case createdOrphan(Int), updated(Int), unchanged(Int) }

    init(stored: [SendState]) {
        rows = stored
        changed = Array(repeating: false, count: stored.count)
    }

    /// Rows created by this batch, in the order they were created.
    var inserts: [SendState] { rows.filter { $0.id == nil } }

    /// Gives the rows created by this batch the ids the database assigned them, by key.
    mutating func assignIds(_ ids: [SendKeyText: Int64]) {
        for index in rows.indices where rows[index].id == nil {
            rows[index].id = ids[SendKeyText(rows[index].provider, rows[index].bizId, rows[index].phoneNumber)]
        }
    }
    /// Stored rows this batch changed.
    var updates: [SendState] { rows.indices.filter { rows[$0].id != nil && changed[$0] }.map { rows[$0] } }

    /// Records `send` as tracked. Returns `true` when it was not tracked before (absent, or known only
    /// from receipts); a send tracked already only gains the fields it lacked.
    mutating func track(_ send: SendRecord, firstCheckDelay: TimeInterval) -> Bool {
        let send = Self.storable(send)
        let key = SendKey(provider: send.provider, bizId: send.bizId, phoneNumber: send.phoneNumber)
        let phone = key.phoneNumber ?? ""
        let firstCheck = Millis.from(send.sentAt.addingTimeInterval(max(0, firstCheckDelay)))
        let sentAt = Millis.from(send.sentAt)
        let found = find(key.provider.rawValue, key.bizId, phone)
            ?? (phone.isEmpty ? nil : find(key.provider.rawValue, key.bizId, ""))
        guard let index = found else {
            append(SendState(id: nil, provider: key.provider.rawValue, bizId: key.bizId, phoneNumber: phone,
                             outId: send.outId, sentAt: sentAt, templateCode: send.templateCode,
                             signName: send.signName, tracked: true, state: DeliveryState.pending.rawValue,
                             isFinal: false, retryable: nil, providerCode: nil, lastReportAt: nil,
                             nextCheckAt: firstCheck))
            return true
        }
        // Either the exact row, or an orphan created by a receipt without a phone (TeleSign), which
        // takes this send's phone now. A row known only from receipts takes the sender's own facts.
        var row = rows[index]
        let wasTracked = row.tracked
        row.phoneNumber = phone
        row.outId = wasTracked ? (row.outId ?? send.outId) : (send.outId ?? row.outId)
        row.sentAt = wasTracked ? (row.sentAt ?? sentAt) : sentAt
        row.templateCode = row.templateCode ?? send.templateCode
        row.signName = row.signName ?? send.signName
        if !wasTracked { row.nextCheckAt = row.isFinal ? nil : firstCheck }
        row.tracked = true
        update(index, row)
        return !wasTracked
    }

    /// Moves the receipt's send by the merge rule, creating it untracked when it is not known yet
    /// (the receipt is never dropped for lack of a send).
    mutating func apply(_ receipt: DeliveryReceipt, receivedAt: Date) -> Effect {
        let receipt = Self.storable(receipt)
        let key = SendKey(provider: receipt.provider, bizId: receipt.bizId, phoneNumber: receipt.phoneNumber)
        let provider = key.provider.rawValue
        let reportedAt = Millis.from(receipt.reportedAt ?? receivedAt)
        var found = find(provider, key.bizId, key.phoneNumber ?? "")
        if found == nil, key.phoneNumber == nil {
            // A receipt without a phone belongs to the send id's only row, if it has only one; several
            // (one send id to many phones) are ambiguous and get a phoneless orphan of their own.
            let candidates = rows.indices.filter { rows[$0].provider == provider && rows[$0].bizId == key.bizId }
            if candidates.count == 1 { found = candidates[0] }
        }
        guard let index = found else {
            append(SendState(id: nil, provider: provider, bizId: key.bizId, phoneNumber: key.phoneNumber ?? "",
                             outId: receipt.outId, sentAt: receipt.sentAt.map(Millis.from), templateCode: nil,
                             signName: nil, tracked: false, state: receipt.status.state.rawValue,
                             isFinal: receipt.status.isFinal, retryable: receipt.status.retryable,
                             providerCode: receipt.providerCode, lastReportAt: reportedAt, nextCheckAt: nil))
            return .createdOrphan(rows.count - 1)
        }
        var row = rows[index]
        guard SendMerge.shouldMove(row.status, lastReportAt: row.lastReportAt, to: receipt.status,
                                   reportedAt: reportedAt) else { return .unchanged(index) }
        row.state = receipt.status.state.rawValue
        row.isFinal = receipt.status.isFinal
        row.retryable = receipt.status.retryable
        row.providerCode = receipt.providerCode
        row.lastReportAt = reportedAt
        if receipt.status.isFinal { row.nextCheckAt = nil }
        row.outId = row.outId ?? receipt.outId
        row.sentAt = row.sentAt ?? receipt.sentAt.map(Millis.from)
        update(index, row)
        return .updated(index)
    }

    /// The send's text as the table stores it (PostgresRows.text): keys compare equal to stored rows.
    private static func storable(_ send: SendRecord) -> SendRecord {
        var send = send
        send.bizId = PostgresRows.text(send.bizId)
        send.phoneNumber = PostgresRows.text(send.phoneNumber)
        send.outId = PostgresRows.text(send.outId)
        send.templateCode = PostgresRows.text(send.templateCode)
        send.signName = PostgresRows.text(send.signName)
        return send
    }

    private static func storable(_ receipt: DeliveryReceipt) -> DeliveryReceipt {
        var receipt = receipt
        receipt.bizId = PostgresRows.text(receipt.bizId)
        receipt.phoneNumber = PostgresRows.text(receipt.phoneNumber)
        receipt.outId = PostgresRows.text(receipt.outId)
        receipt.providerCode = PostgresRows.text(receipt.providerCode)
        return receipt
    }

    private func find(_ provider: String, _ bizId: String, _ phone: String) -> Int? {
        rows.firstIndex { $0.provider == provider && $0.bizId == bizId && $0.phoneNumber == phone }
    }

    private mutating func append(_ row: SendState) {
        rows.append(row)
        changed.append(true)
    }

    private mutating func update(_ index: Int, _ row: SendState) {
        if row != rows[index] { changed[index] = true }
        rows[index] = row
    }
}

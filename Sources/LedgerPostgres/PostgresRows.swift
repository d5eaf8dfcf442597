import Foundation
import LedgerStore
import PostgresNIO
import SMSLedgerCore

/// The rows the PostgreSQL store writes (as ``Recordset`` JSON) and reads back into domain values.
enum PostgresRows {
    // MARK: Writing

    /// PostgreSQL's `text` cannot hold a NUL character, and one in an SMS would make its whole batch
    /// fail on every redelivery. The raw body (`bytea`) keeps the original bytes; the text columns
    /// carry U+FFFD in its place.
    static func text(_ value: String) -> String {
        value.contains("\u{0}") ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value
    }

    static func text(_ value: String?) -> String? { value.map(text) }

    static let receiptRecordset = Recordset(columns: [
        ("dedupe_key", "text"), ("provider", "text"), ("source", "text"), ("biz_id", "text"), ("out_id", "text"),
        ("phone_number", "text"), ("state", "text"), ("is_final", "boolean"), ("retryable", "boolean"),
        ("provider_code", "text"), ("provider_text", "text"), ("sent_at", "bigint"), ("reported_at", "bigint"),
        ("sms_size", "integer"), ("raw_body", "text"), ("mns_message_id", "text"), ("received_at", "bigint"),
    ])

    struct ReceiptRow: Encodable {
        let dedupe_key, provider, source, biz_id: String
        let out_id, phone_number: String?
        let state: String
        let is_final: Bool
        let retryable: Bool?
        let provider_code: String
        let provider_text: String?
        let sent_at, reported_at: Int64?
        let sms_size: Int?
        let raw_body: Data
        let mns_message_id: String?
        let received_at: Int64

        init(_ item: Received<DeliveryReceipt>) {
            let r = item.event
            dedupe_key = text(r.dedupeKey); provider = r.provider.rawValue; source = r.source.rawValue
            biz_id = text(r.bizId); out_id = text(r.outId); phone_number = text(r.phoneNumber)
            state = r.status.state.rawValue; is_final = r.status.isFinal; retryable = r.status.retryable
            provider_code = text(r.providerCode); provider_text = text(r.providerText)
            sent_at = r.sentAt.map(Millis.from); reported_at = r.reportedAt.map(Millis.from); sms_size = r.smsSize
            raw_body = r.rawBody; mns_message_id = text(item.mnsMessageId); received_at = Millis.from(item.receivedAt)
        }
    }

    static let replyRecordset = Recordset(columns: [
        ("dedupe_key", "text"), ("phone_number", "text"), ("content", "text"), ("sent_at", "bigint"),
        ("dest_code", "text"), ("sequence_id", "text"), ("sign_name", "text"), ("raw_body", "text"),
        ("mns_message_id", "text"), ("received_at", "bigint"),
    ])

    struct ReplyRow: Encodable {
        let dedupe_key, phone_number, content: String
        let sent_at: Int64
        let dest_code, sequence_id: String
        let sign_name: String?
        let raw_body: Data
        let mns_message_id: String?
        let received_at: Int64

        init(_ item: Received<InboundMessage>) {
            let m = item.event
            dedupe_key = text(m.dedupeKey); phone_number = text(m.phoneNumber); content = text(m.content)
            sent_at = Millis.from(m.sentAt); dest_code = text(m.destCode); sequence_id = text(m.sequenceId)
            sign_name = text(m.signName); raw_body = m.rawBody; mns_message_id = text(item.mnsMessageId)
            received_at = Millis.from(item.receivedAt)
        }
    }

    static let quarantineRecordset = Recordset(columns: [
        ("source", "text"), ("raw_body", "text"), ("sha256", "text"), ("reason", "text"), ("context", "text"),
        ("first_seen", "bigint"), ("last_seen", "bigint"), ("count", "integer"),
    ])

    struct QuarantineRow: Encodable {
        let source: String
        let raw_body: Data
        /// Hex, decoded to `bytea` in SQL.
        let sha256: String
        let reason: String
        let context: String?
        var first_seen, last_seen: Int64
        var count: Int

        init(_ item: Received<QuarantineEntry>) {
            let e = item.event
            source = e.source.rawValue; raw_body = e.rawBody
            sha256 = Hex.encode(SendMerge.quarantineDigest(of: e), uppercase: false)
            reason = text(e.reason); context = text(e.context)
            first_seen = Millis.from(item.receivedAt); last_seen = first_seen; count = 1
        }

        /// This row seen once more, as `other`.
        func folding(_ other: QuarantineRow) -> QuarantineRow {
            var row = self
            row.first_seen = min(first_seen, other.first_seen)
            row.last_seen = max(last_seen, other.last_seen)
            row.count += other.count
            return row
        }
    }

    static let sendRecordset = Recordset(columns: [
        ("id", "bigint"), ("provider", "text"), ("biz_id", "text"), ("phone_number", "text"), ("out_id", "text"),
        ("sent_at", "bigint"), ("template_code", "text"), ("sign_name", "text"), ("tracked", "boolean"),
        ("state", "text"), ("is_final", "boolean"), ("retryable", "boolean"), ("provider_code", "text"),
        ("last_report_at", "bigint"), ("next_check_at", "bigint"),
    ])

    // MARK: Reading

    /// The columns ``sendState(_:)`` reads, in order.
    static let sendStateColumns = """
        id, provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked, state, is_final,
        retryable, provider_code, last_report_at, next_check_at
        """

    static func sendState(_ row: PostgresRow) throws -> SendState {
        let c = Cells(row)
        return SendState(id: try c[0], provider: try c[1], bizId: try c[2], phoneNumber: try c[3], outId: try c[4],
                         sentAt: try c[5], templateCode: try c[6], signName: try c[7], tracked: try c[8],
                         state: try c[9], isFinal: try c[10], retryable: try c[11], providerCode: try c[12],
                         lastReportAt: try c[13], nextCheckAt: try c[14])
    }

    /// Columns as read by ``send(_:)``: the SQLite ledger's order, so both read the same.
    static let sendColumns = """
        id, provider, biz_id, phone_number, out_id, sent_at, template_code, sign_name, tracked, state, is_final,
        retryable, provider_code, last_report_at, next_check_at, check_count, last_checked_at, closed_reason
        """

    static func send(_ row: PostgresRow) throws -> TrackedSend {
        let c = Cells(row)
        let id: Int64 = try c[0]
        let key = SendKey(provider: try c.decode(1, id, "sends", Provider.init), bizId: try c[2], phoneNumber: try c[3])
        let status = DeliveryStatus(state: try c.decode(9, id, "sends", DeliveryState.init), isFinal: try c[10],
                                    retryable: try c[11])
        let checkCount: Int32 = try c[15]
        return TrackedSend(id: id, key: key, outId: try c[4], sentAt: try c.date(5), templateCode: try c[6],
                           signName: try c[7], tracked: try c[8], status: status, providerCode: try c[12],
                           lastReportAt: try c.date(13), nextCheckAt: try c.date(14), checkCount: Int(checkCount),
                           lastCheckedAt: try c.date(16), closedReason: try c[17])
    }

    static let receiptColumns = """
        id, provider, source, biz_id, out_id, phone_number, state, is_final, retryable, provider_code,
        provider_text, sent_at, reported_at, sms_size, raw_body, mns_message_id, received_at
        """

    static func receipt(_ row: PostgresRow) throws -> StoredReceipt {
        let c = Cells(row)
        let id: Int64 = try c[0]
        let status = DeliveryStatus(state: try c.decode(6, id, "receipts", DeliveryState.init), isFinal: try c[7],
                                    retryable: try c[8])
        let size: Int32? = try c[13]
        let receipt = DeliveryReceipt(
            provider: try c.decode(1, id, "receipts", Provider.init), source: try c.decode(2, id, "receipts", EventSource.init),
            bizId: try c[3], outId: try c[4], phoneNumber: try c[5], status: status, providerCode: try c[9],
            providerText: try c[10], sentAt: try c.date(11), reportedAt: try c.date(12), smsSize: size.map(Int.init),
            rawBody: try c[14])
        return StoredReceipt(id: id, receipt: receipt, mnsMessageId: try c[15], receivedAt: try c.date(16))
    }

    static let replyColumns = """
        id, phone_number, content, sent_at, dest_code, sequence_id, sign_name, raw_body, mns_message_id, received_at
        """

    static func reply(_ row: PostgresRow) throws -> StoredReply {
        let c = Cells(row)
        let message = InboundMessage(phoneNumber: try c[1], content: try c[2], sentAt: try c.date(3),
                                     destCode: try c[4], sequenceId: try c[5], signName: try c[6], rawBody: try c[7])
        return StoredReply(id: try c[0], message: message, mnsMessageId: try c[8], receivedAt: try c.date(9))
    }

    static let quarantineColumns = "id, source, raw_body, sha256, reason, context, first_seen, last_seen, count"

    static func quarantined(_ row: PostgresRow) throws -> StoredQuarantine {
        let c = Cells(row)
        let id: Int64 = try c[0]
        let entry = QuarantineEntry(source: try c.decode(1, id, "quarantine", EventSource.init), rawBody: try c[2],
                                    reason: try c[4], context: try c[5])
        let digest: Data = try c[3]
        let count: Int32 = try c[8]
        return StoredQuarantine(id: id, entry: entry, digest: Hex.encode(digest, uppercase: false),
                                firstSeen: try c.date(6), lastSeen: try c.date(7), count: Int(count))
    }
}

/// Typed access to a row's columns by position, with the SQLite reader's rule for enums: a value this
/// build does not know is an error naming the row, never a crash or a silent guess.
struct Cells {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try row[index].decode(T.self) }
    }

    func date(_ index: Int) throws -> Date {
        Millis.date(try row[index].decode(Int64.self))
    }

    func date(_ index: Int) throws -> Date? {
        try row[index].decode(Int64?.self).map(Millis.date)
    }

    func decode<T>(_ index: Int, _ id: Int64, _ table: String, _ make: (String) -> T?) throws -> T {
        let text = try row[index].decode(String.self)
        guard let value = make(text) else {
            throw StoreError(.incompatible, code: 0, message: "\(table) row \(id) has an unknown value '\(text)'")
        }
        return value
    }
}

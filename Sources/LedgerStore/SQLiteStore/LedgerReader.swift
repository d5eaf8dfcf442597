import Foundation
import SMSLedgerCore

/// Runs ``LedgerQuery`` reads and turns rows back into domain values.
///
/// The SQL of a query depends only on which filters are set, so there are few distinct texts and
/// each is prepared once and reused from the connection's cache.
struct LedgerReader {
    let connection: SQLiteConnection

    func receipts(_ query: LedgerQuery) throws -> [StoredReceipt] {
        try select(SQL.receiptColumns, from: "receipts", Self.receiptFilter(query), order: Self.receiptOrder,
                   limit: query.limit, row: receipt)
    }

    private static let receiptOrder = "received_at DESC, id DESC"

    private static func receiptFilter(_ query: LedgerQuery) -> Filter {
        var filter = Filter(timeColumn: "received_at", query: query)
        // No index on receipts' phone (schema 2): the phone's sends give the send ids to look up.
        if let phone = query.phoneNumber {
            filter.add("biz_id IN (SELECT biz_id FROM sends WHERE \(SQL.sendsOfPhone))", phoneValues(phone, query))
        }
        filter.match("phone_number", query.phoneNumber)
        filter.match("biz_id", query.bizId)
        filter.match("out_id", query.outId)
        filter.match("state", query.state?.rawValue)
        filter.match("provider", query.provider?.rawValue)
        filter.match("source", query.source?.rawValue)
        return filter
    }

    /// The statement ``receipts(_:)`` runs for `query`, for tests that check its query plan.
    static func receiptsSQL(_ query: LedgerQuery) -> String {
        sql(SQL.receiptColumns, from: "receipts", receiptFilter(query), order: receiptOrder)
    }

    func replies(_ query: LedgerQuery) throws -> [StoredReply] {
        try select(SQL.replyColumns, from: "replies", Self.replyFilter(query), order: Self.replyOrder,
                   limit: query.limit, row: reply)
    }

    private static let replyOrder = "received_at DESC, id DESC"

    private static func replyFilter(_ query: LedgerQuery) -> Filter {
        var filter = Filter(timeColumn: "received_at", query: query)
        if let phone = query.phoneNumber { filter.add(SQL.repliesOfPhone, phoneValues(phone, query)) }
        return filter
    }

    /// The statement ``replies(_:)`` runs for `query`, for tests that check its query plan.
    static func repliesSQL(_ query: LedgerQuery) -> String {
        sql(SQL.replyColumns, from: "replies", replyFilter(query), order: replyOrder)
    }

    func sends(_ query: LedgerQuery) throws -> [TrackedSend] {
        try select(SQL.sendColumns, from: "sends", Self.sendFilter(query), order: Self.sendOrder,
                   limit: query.limit, row: send)
    }

    /// Newest first, as `sent_at DESC, id DESC` (the bucket grows with `sent_at`, and a NULL bucket
    /// sorts last like a NULL `sent_at`), spelled so that the bucket index gives the first term and
    /// SQLite sorts only within a bucket: the newest sends come back without sorting the whole table.
    private static let sendOrder = "\(SQL.sendTimeBucket) DESC, sent_at DESC, id DESC"

    private static func sendFilter(_ query: LedgerQuery) -> Filter {
        var filter = Filter(timeColumn: "sent_at", query: query)
        // The same bounds on the bucket, so a time window is a range of the index, not a scan.
        // (Swift's and SQLite's integer division both truncate, so the buckets agree.)
        let bucket = { (date: Date) in Filter.Value.integer(Millis.from(date) / SQL.sendTimeBucketMillis) }
        if let from = query.from { filter.add("\(SQL.sendTimeBucket) >= ?", bucket(from)) }
        if let to = query.to { filter.add("\(SQL.sendTimeBucket) <= ?", bucket(to)) }
        if let phone = query.phoneNumber { filter.add(SQL.sendsOfPhone, phoneValues(phone, query)) }
        filter.match("biz_id", query.bizId)
        filter.match("out_id", query.outId)
        filter.match("state", query.state?.rawValue)
        filter.match("provider", query.provider?.rawValue)
        return filter
    }

    /// The values of ``SQL/sendsOfPhone``: the window's first and last day (NULL: the ledger's), the phone.
    private static func phoneValues(_ phone: String, _ query: LedgerQuery) -> [Filter.Value] {
        let day = { (date: Date?) in date.map { Filter.Value.integer(Millis.from($0) / SQL.phoneDayMillis) } ?? .null }
        return [day(query.from), day(query.to), .text(phone)]
    }

    /// The statement ``sends(_:)`` runs for `query`, for tests that check its query plan.
    static func sendsSQL(_ query: LedgerQuery) -> String {
        sql(SQL.sendColumns, from: "sends", sendFilter(query), order: sendOrder)
    }

    func quarantine(_ query: LedgerQuery) throws -> [StoredQuarantine] {
        var filter = Filter(timeColumn: "last_seen", query: query)
        filter.match("source", query.source?.rawValue)
        return try select(SQL.quarantineColumns, from: "quarantine", filter, order: "last_seen DESC, id DESC",
                          limit: query.limit, row: quarantined)
    }

    func dueSends(now: Date, limit: Int) throws -> [TrackedSend] {
        try connection.withStatement(SQL.dueSends) { statement in
            try statement.bind(now, at: 1)
            try statement.bind(Int64(max(0, limit)), at: 2)
            return try rows(statement, send)
        }
    }

    func counts() throws -> LedgerCounts {
        try connection.withStatement(SQL.counts) { statement in
            guard try statement.step() else { return LedgerCounts() }
            return LedgerCounts(receipts: Int(statement.int64(0)), replies: Int(statement.int64(1)),
                                sends: Int(statement.int64(2)), openSends: Int(statement.int64(3)),
                                quarantine: Int(statement.int64(4)))
        }
    }

    // MARK: Building and running

    /// The WHERE clause of a query and the values to bind to it, in order.
    private struct Filter {
        var clauses: [String] = []
        var values: [Value] = []

        enum Value {
            case text(String)
            case integer(Int64)
            case null
        }

        init(timeColumn: String, query: LedgerQuery) {
            if let from = query.from { add("\(timeColumn) >= ?", .integer(Millis.from(from))) }
            if let to = query.to { add("\(timeColumn) < ?", .integer(Millis.from(to))) }
        }

        mutating func match(_ column: String, _ value: String?) {
            if let value { add("\(column) = ?", .text(value)) }
        }

        mutating func add(_ clause: String, _ value: Value) {
            add(clause, [value])
        }

        /// A clause with several placeholders, bound in order.
        mutating func add(_ clause: String, _ values: [Value]) {
            clauses.append(clause)
            self.values += values
        }
    }

    private static func sql(_ columns: String, from table: String, _ filter: Filter, order: String) -> String {
        let condition = filter.clauses.isEmpty ? "" : " WHERE " + filter.clauses.joined(separator: " AND ")
        return "SELECT \(columns) FROM \(table)\(condition) ORDER BY \(order) LIMIT ?"
    }

    private func select<Row>(_ columns: String, from table: String, _ filter: Filter, order: String,
                             limit: Int, row: (SQLiteStatement) throws -> Row) throws -> [Row] {
        let sql = Self.sql(columns, from: table, filter, order: order)
        return try connection.withStatement(sql) { statement in
            var index: Int32 = 1
            for value in filter.values {
                switch value {
                case .text(let text): try statement.bind(text, at: index)
                case .integer(let number): try statement.bind(number, at: index)
                case .null: try statement.bindNull(at: index)
                }
                index += 1
            }
            // A negative LIMIT means "no limit" to SQLite; a caller's negative limit means nothing.
            try statement.bind(Int64(max(0, limit)), at: index)
            return try rows(statement, row)
        }
    }

    private func rows<Row>(_ statement: SQLiteStatement, _ row: (SQLiteStatement) throws -> Row) throws -> [Row] {
        var result: [Row] = []
        while try statement.step() {
            result.append(try row(statement))
        }
        return result
    }

    // MARK: Rows

    func receipt(_ s: SQLiteStatement) throws -> StoredReceipt {
        let id = s.int64(0)
        let status = DeliveryStatus(state: try decode(s, 6, id, "receipts", DeliveryState.init), isFinal: s.bool(7),
                                    retryable: s.optionalBool(8))
        let receipt = DeliveryReceipt(
            provider: try decode(s, 1, id, "receipts", Provider.init), source: try decode(s, 2, id, "receipts", EventSource.init),
            bizId: s.string(3), outId: s.optionalString(4), phoneNumber: s.optionalString(5), status: status,
            providerCode: s.string(9), providerText: s.optionalString(10), sentAt: s.optionalDate(11),
            reportedAt: s.optionalDate(12), smsSize: s.optionalInt(13), rawBody: s.data(14))
        return StoredReceipt(id: id, receipt: receipt, mnsMessageId: s.optionalString(15), receivedAt: s.date(16))
    }

    func reply(_ s: SQLiteStatement) throws -> StoredReply {
        let message = InboundMessage(phoneNumber: s.string(1), content: s.string(2), sentAt: s.date(3),
                                     destCode: s.string(4), sequenceId: s.string(5), signName: s.optionalString(6),
                                     rawBody: s.data(7))
        return StoredReply(id: s.int64(0), message: message, mnsMessageId: s.optionalString(8), receivedAt: s.date(9))
    }

    func send(_ s: SQLiteStatement) throws -> TrackedSend {
        let id = s.int64(0)
        let key = SendKey(provider: try decode(s, 1, id, "sends", Provider.init), bizId: s.string(2),
                          phoneNumber: s.string(3))
        let status = DeliveryStatus(state: try decode(s, 9, id, "sends", DeliveryState.init), isFinal: s.bool(10),
                                    retryable: s.optionalBool(11))
        return TrackedSend(id: id, key: key, outId: s.optionalString(4), sentAt: s.optionalDate(5),
                           templateCode: s.optionalString(6), signName: s.optionalString(7), tracked: s.bool(8),
                           status: status, providerCode: s.optionalString(12), lastReportAt: s.optionalDate(13),
                           nextCheckAt: s.optionalDate(14), checkCount: s.optionalInt(15) ?? 0,
                           lastCheckedAt: s.optionalDate(16), closedReason: s.optionalString(17))
    }

    func quarantined(_ s: SQLiteStatement) throws -> StoredQuarantine {
        let id = s.int64(0)
        let entry = QuarantineEntry(source: try decode(s, 1, id, "quarantine", EventSource.init), rawBody: s.data(2),
                                    reason: s.string(4), context: s.optionalString(5))
        return StoredQuarantine(id: id, entry: entry, digest: Hex.encode(s.data(3), uppercase: false), firstSeen: s.date(6),
                                lastSeen: s.date(7), count: s.optionalInt(8) ?? 0)
    }

    /// Decodes a text column into one of the domain's enums. A value this build does not know (written
    /// by a newer build, or by hand) is an error naming the row, never a crash or a silent guess.
    private func decode<T>(_ s: SQLiteStatement, _ column: Int32, _ id: Int64, _ table: String,
                           _ make: (String) -> T?) throws -> T {
        let text = s.string(column)
        guard let value = make(text) else {
            throw StoreError(.incompatible, message: "\(table) row \(id) has an unknown value '\(text)'")
        }
        return value
    }
}

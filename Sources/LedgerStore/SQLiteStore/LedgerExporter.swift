import Foundation

/// The pages of ``LedgerExportSource`` on SQLite: keyset pagination over each table's time index.
///
/// The lower bound of each page is the cursor's key itself (`time >= key`), so the index range starts
/// where the last page ended; only rows that share the cursor's key are filtered by id.
struct LedgerExporter {
    let connection: SQLiteConnection

    func page(_ kind: LedgerRecordKind, from: Date?, to: Date?, after cursor: ExportCursor?,
              limit: Int) throws -> ExportPage {
        let reader = LedgerReader(connection: connection)
        let lower = from.map(Millis.from) ?? Int64.min
        let upper = to.map(Millis.from) ?? Int64.max
        let limit = max(1, limit)
        switch kind {
        case .receipts:
            return try run(SQL.exportReceipts, lower, upper, cursor, limit) { s in
                let row = try reader.receipt(s)
                return (.receipt(row), ExportCursor(key: Millis.from(row.receivedAt), id: row.id))
            }
        case .replies:
            return try run(SQL.exportReplies, lower, upper, cursor, limit) { s in
                let row = try reader.reply(s)
                return (.reply(row), ExportCursor(key: Millis.from(row.receivedAt), id: row.id))
            }
        case .quarantine:
            return try run(SQL.exportQuarantine, lower, upper, cursor, limit) { s in
                let row = try reader.quarantined(s)
                return (.quarantine(row), ExportCursor(key: Millis.from(row.lastSeen), id: row.id))
            }
        case .sends:
            return try sends(lower, upper, cursor, limit, reader)
        }
    }

    /// Sends page by bucket (the `sends_sent_bucket` index), with the exact window on `sent_at` too.
    private func sends(_ lower: Int64, _ upper: Int64, _ cursor: ExportCursor?, _ limit: Int,
                       _ reader: LedgerReader) throws -> ExportPage {
        let bucket = { (millis: Int64) in millis / SQL.sendTimeBucketMillis }
        return try connection.withStatement(SQL.exportSends) { statement in
            try statement.bind(max(bucket(lower), cursor?.key ?? Int64.min), at: 1)
            try statement.bind(bucket(upper), at: 2)
            try statement.bind(lower, at: 3)
            try statement.bind(upper, at: 4)
            try statement.bind(cursor?.key ?? Int64.min, at: 5)
            try statement.bind(cursor?.id ?? Int64.min, at: 6)
            try statement.bind(Int64(limit), at: 7)
            return try collect(statement, limit) { s in
                let row = try reader.send(s)
                return (.send(row), ExportCursor(key: bucket(row.sentAt.map(Millis.from) ?? 0), id: row.id))
            }
        }
    }

    private func run(_ sql: String, _ lower: Int64, _ upper: Int64, _ cursor: ExportCursor?, _ limit: Int,
                     _ row: (SQLiteStatement) throws -> (LedgerRecord, ExportCursor)) throws -> ExportPage {
        try connection.withStatement(sql) { statement in
            try statement.bind(max(lower, cursor?.key ?? Int64.min), at: 1)
            try statement.bind(upper, at: 2)
            try statement.bind(cursor?.key ?? Int64.min, at: 3)
            try statement.bind(cursor?.id ?? Int64.min, at: 4)
            try statement.bind(Int64(limit), at: 5)
            return try collect(statement, limit, row)
        }
    }

    private func collect(_ statement: SQLiteStatement, _ limit: Int,
                         _ row: (SQLiteStatement) throws -> (LedgerRecord, ExportCursor)) throws -> ExportPage {
        var records: [LedgerRecord] = []
        records.reserveCapacity(limit)
        var last: ExportCursor?
        while try statement.step() {
            let (record, cursor) = try row(statement)
            records.append(record)
            last = cursor
        }
        return ExportPage(records: records, next: records.count == limit ? last : nil)
    }
}

// ?1 the page's lower bound on the key, ?2 the window's upper bound, ?3/?4 the cursor, ?5 the limit.
extension SQL {
    static let exportReceipts = exportPage(receiptColumns, from: "receipts", by: "received_at")
    static let exportReplies = exportPage(replyColumns, from: "replies", by: "received_at")
    static let exportQuarantine = exportPage(quarantineColumns, from: "quarantine", by: "last_seen")

    private static func exportPage(_ columns: String, from table: String, by time: String) -> String {
        """
        SELECT \(columns) FROM \(table)
        WHERE \(time) >= ?1 AND \(time) < ?2 AND (\(time) > ?3 OR id > ?4)
        ORDER BY \(time), id LIMIT ?5
        """
    }

    /// ?1/?2 bucket bounds, ?3/?4 the exact window, ?5/?6 the cursor (bucket, id), ?7 the limit.
    static let exportSends = """
        SELECT \(sendColumns) FROM sends
        WHERE \(sendTimeBucket) >= ?1 AND \(sendTimeBucket) <= ?2 AND sent_at >= ?3 AND sent_at < ?4
            AND (\(sendTimeBucket) > ?5 OR id > ?6)
        ORDER BY \(sendTimeBucket), id LIMIT ?7
        """
}

extension SQLiteLedgerStore: LedgerExportSource {
    /// On the read connection; each page is its own short read.
    public func exportPage(_ kind: LedgerRecordKind, from: Date?, to: Date?, after cursor: ExportCursor?,
                           limit: Int) async throws -> ExportPage {
        try await reader.run { try LedgerExporter(connection: $0).page(kind, from: from, to: to, after: cursor, limit: limit) }
    }
}

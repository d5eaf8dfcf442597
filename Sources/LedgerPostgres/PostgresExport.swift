import Foundation
import LedgerStore
import PostgresNIO

/// The pages of ``LedgerExportSource`` on PostgreSQL: keyset pagination by (time, id) over each
/// table's time index, as the SQLite ledger pages (LedgerExporter), so `smsledger export` streams a
/// ledger of any size in constant memory from either backend, and every page costs the same.
///
/// The cursor's key is the time column in epoch ms, for sends too: SQLite orders sends by ten-minute
/// bucket because its planner needs the bucket index, while here `sends_sent_at` serves `sent_at`
/// itself. The key stays opaque to callers (the CLI hands back what the last page returned), so
/// the difference never leaves the store. The indexes are on the time alone; the id order among rows
/// of the same millisecond is an incremental sort of that handful, not a sort of the table.
extension PostgresLedgerStore: LedgerExportSource {
    public func exportPage(_ kind: LedgerRecordKind, from: Date?, to: Date?, after cursor: ExportCursor?,
                           limit: Int) async throws -> ExportPage {
        let page = PostgresExportPage(from: from, to: to, after: cursor, limit: limit)
        switch kind {
        case .receipts:
            return try await page.read(self, PostgresRows.receiptColumns, from: "receipts", by: "received_at") { row in
                let receipt = try PostgresRows.receipt(row)
                return (.receipt(receipt), ExportCursor(key: Millis.from(receipt.receivedAt), id: receipt.id))
            }
        case .replies:
            return try await page.read(self, PostgresRows.replyColumns, from: "replies", by: "received_at") { row in
                let reply = try PostgresRows.reply(row)
                return (.reply(reply), ExportCursor(key: Millis.from(reply.receivedAt), id: reply.id))
            }
        case .quarantine:
            return try await page.read(self, PostgresRows.quarantineColumns, from: "quarantine", by: "last_seen") { row in
                let entry = try PostgresRows.quarantined(row)
                return (.quarantine(entry), ExportCursor(key: Millis.from(entry.lastSeen), id: entry.id))
            }
        case .sends:
            // The window leaves out sends without a send time, so every row here has one.
            return try await page.read(self, PostgresRows.sendColumns, from: "sends", by: "sent_at") { row in
                let send = try PostgresRows.send(row)
                return (.send(send), ExportCursor(key: send.sentAt.map(Millis.from) ?? .min, id: send.id))
            }
        }
    }
}

/// One page's bounds: the window `[from, to)` on the time column, and the position after the cursor.
struct PostgresExportPage: Sendable {
    let lower: Int64
    let upper: Int64
    let cursor: ExportCursor?
    let limit: Int

    init(from: Date?, to: Date?, after cursor: ExportCursor?, limit: Int) {
        lower = from.map(Millis.from) ?? .min
        upper = to.map(Millis.from) ?? .max
        self.cursor = cursor
        self.limit = max(1, limit)
    }

    /// The page's rows of `table` and the cursor after its last row; no cursor after a short page,
    /// which is the last.
    func read(_ store: PostgresLedgerStore, _ columns: String, from table: String, by time: String,
              _ decode: @escaping @Sendable (PostgresRow) throws -> (LedgerRecord, ExportCursor)) async throws -> ExportPage {
        let rows = try await store.rows(query(columns, table, time), "exporting \(table)", decode)
        return ExportPage(records: rows.map(\.0), next: rows.count == limit ? rows.last?.1 : nil)
    }

    /// `$1` is the window's lower bound or the cursor's key, whichever is later, so the index range
    /// starts where the last page ended; only the rows sharing the cursor's key are filtered by id.
    private func query(_ columns: String, _ table: String, _ time: String) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 5)
        binds.append(max(lower, cursor?.key ?? .min))
        binds.append(upper)
        binds.append(cursor?.key ?? .min)
        binds.append(cursor?.id ?? .min)
        binds.append(Int64(limit))
        return PostgresQuery(unsafeSQL: """
            SELECT \(columns) FROM \(table)
            WHERE \(time) >= $1 AND \(time) < $2 AND (\(time) > $3 OR id > $4)
            ORDER BY \(time), id LIMIT $5
            """, binds: binds)
    }
}

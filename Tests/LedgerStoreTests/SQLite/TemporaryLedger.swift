import Foundation
@testable import LedgerStore

/// A directory of its own under the system temp directory for each test's database, removed again
/// by ``remove()``.
struct TemporaryLedger: Sendable {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("smsledger-ledgerstore-tests", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var path: String { directory.appendingPathComponent("ledger.sqlite").path }

    func open(_ options: SQLiteLedgerOptions = SQLiteLedgerOptions()) throws -> SQLiteLedgerStore {
        try SQLiteLedgerStore(at: path, options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The conformance harness for SQLite: a fresh file per check, deleted afterwards.
    static let harness = LedgerStoreHarness(
        open: { try TemporaryLedger().open() },
        discard: { store in
            await store.close()
            if let sqlite = store as? SQLiteLedgerStore {
                try? FileManager.default.removeItem(at: URL(fileURLWithPath: sqlite.path).deletingLastPathComponent())
            }
        })
}

extension SQLiteLedgerStore {
    /// SQLite's plan for `sql` (the detail column of `EXPLAIN QUERY PLAN`), one step per line, for
    /// tests that check which index a statement uses.
    func queryPlan(_ sql: String) async throws -> String {
        try await withWriteConnection { connection in
            try connection.withStatement("EXPLAIN QUERY PLAN " + sql) { statement in
                var lines: [String] = []
                while try statement.step() { lines.append(statement.string(3)) }
                return lines.joined(separator: "\n")
            }
        }
    }

    /// Turns the ledger back into what schema `version` left on disk, undoing each later step in
    /// reverse order, for tests that check how an older ledger is migrated. Every new migration adds
    /// its undo here, so those tests keep starting from the true older shape.
    func rollBack(_ connection: SQLiteConnection, to version: Int64) throws {
        let undo: [Int64: [String]] = [
            8: ["DROP INDEX replies_phone_day", "CREATE INDEX replies_phone ON replies (phone_number, received_at)",
                "UPDATE replies SET dedupe_key = substr(dedupe_key, instr(dedupe_key, '|') + 1)"],
            7: ["DROP INDEX sends_phone_day", "CREATE INDEX sends_phone ON sends (phone_number, sent_at)"],
            6: ["DROP INDEX sends_undated"],
            5: ["DROP TRIGGER send_state_counts_insert", "DROP TRIGGER send_state_counts_update",
                "DROP TRIGGER send_state_counts_delete", "DROP TABLE send_state_counts"],
            4: ["DROP TABLE webhook_deliveries", "DROP TABLE webhook_endpoints", "DROP TABLE webhook_events"],
            3: ["DROP INDEX sends_sent_bucket", "CREATE INDEX sends_sent_at ON sends (sent_at)"],
            2: ["CREATE INDEX receipts_phone ON receipts (phone_number, received_at)"],
        ]
        for step in stride(from: LedgerSchema.latestVersion, to: version, by: -1) {
            for statement in undo[step] ?? [] { try connection.exec(statement) }
        }
        try connection.exec("PRAGMA user_version = \(version)")
    }
}

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

    /// Removes what schema 4 (the webhook outbox) added, for tests that rebuild an older ledger.
    static let undoSchema4 = "DROP TABLE webhook_deliveries; DROP TABLE webhook_endpoints; DROP TABLE webhook_events"

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
}

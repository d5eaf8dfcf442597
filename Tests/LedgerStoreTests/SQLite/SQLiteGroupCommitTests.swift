import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// Concurrent commits may share one transaction; each caller must still see only its own outcome.
@Suite("SQLite ledger: concurrent commits")
struct SQLiteGroupCommitTests {
    @Test func concurrentCommitsAreAllStoredEachWithItsOwnSummary() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()

        let summaries = try await withThrowingTaskGroup(of: CommitSummary.self) { group in
            for n in 0..<40 {
                group.addTask {
                    try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "c\(n)"),
                                                                   Sample.receipt(bizId: "shared")]))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        #expect(summaries.map(\.receipts.new).reduce(0, +) == 41)
        #expect(summaries.map(\.receipts.duplicate).reduce(0, +) == 39)
        #expect(summaries.allSatisfy { $0.receipts.new + $0.receipts.duplicate == 2 })
        #expect(try await store.counts().receipts == 41)
        await store.close()
    }

    @Test func aFailingBatchFailsOnlyItsOwnCaller() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        try await store.withWriteConnection { connection in
            try connection.exec("""
                CREATE TRIGGER refuse_poison BEFORE INSERT ON receipts WHEN NEW.biz_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """)
        }

        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for biz in (0..<15).map({ "ok-\($0)" }) + ["poison"] {
                group.addTask {
                    let stored = try? await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: biz)]))
                    return (biz, stored != nil)
                }
            }
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }

        #expect(outcomes["poison"] == false)
        #expect(outcomes.filter { $0.value }.count == 15)
        #expect(try await store.counts().receipts == 15)
        await store.close()
    }
}

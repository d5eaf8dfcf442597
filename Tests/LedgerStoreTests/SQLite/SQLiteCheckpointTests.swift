import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// The WAL is copied into the database by the background checkpointer and starts over, instead of
/// growing with every commit; nothing committed is lost on the way.
@Suite("SQLite ledger: WAL checkpoints")
struct SQLiteCheckpointTests {
    /// Small thresholds so that a few hundred commits go through several checkpoint rounds.
    static let small = WALCheckpointer.Thresholds(background: 40, finishInline: 16, inline: 400)

    static func walPages(_ path: String) -> Int {
        let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        return size / 4096
    }

    /// The writer finishes a checkpoint when little is left, except for a prune batch's commit, which
    /// leaves that to the background; the hard bound holds for every commit.
    @Test func aPruneCommitLeavesTheFinishToTheBackgroundButNotTheHardBound() {
        let t = WALCheckpointer.Thresholds(background: 100, finishInline: 20, inline: 1_000)
        #expect(!t.writerCheckpoints(frames: 99, copied: 90, finishDeferred: false), "below the background threshold")
        #expect(t.writerCheckpoints(frames: 150, copied: 130, finishDeferred: false), "20 left: the writer finishes")
        #expect(!t.writerCheckpoints(frames: 150, copied: 129, finishDeferred: false), "21 left: the background goes on")
        #expect(!t.writerCheckpoints(frames: 150, copied: 130, finishDeferred: true), "a prune batch leaves it")
        #expect(t.writerCheckpoints(frames: 1_000, copied: 0, finishDeferred: true), "the hard bound always")
        #expect(t.writerCheckpoints(frames: 1_000, copied: 0, finishDeferred: false))
    }

    @Test func theWALStaysBoundedAndEveryCommitSurvivesAReopen() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try SQLiteLedgerStore(at: ledger.path, options: SQLiteLedgerOptions(), checkpoints: Self.small)
        var largestWAL = 0
        for round in 0..<60 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for poller in 0..<4 {
                    group.addTask {
                        let receipts = (0..<16).map { Sample.receipt(bizId: "r\(round)-p\(poller)-\($0)",
                                                                     phone: "138\(String(format: "%08d", ($0 * 7_919 + round * 104_729 + poller) % 100_000_000))") }
                        _ = try await store.commit(Sample.batch(receipts: receipts))
                    }
                }
                try await group.waitForAll()
            }
            largestWAL = max(largestWAL, Self.walPages(ledger.path))
        }
        #expect(try await store.counts().receipts == 60 * 4 * 16)
        // 3,840 receipts and their sends rows write thousands of pages; without checkpoints that restart
        // the WAL it would hold them all. The file keeps its high-water mark, so this bounds every round.
        let written = try await store.withWriteConnection { try $0.scalarInt("PRAGMA page_count") ?? 0 }
        #expect(written > 400)
        #expect(largestWAL < Self.small.inline + 200, "the WAL reached \(largestWAL) pages")
        await store.close()

        let reopened = try SQLiteLedgerStore(readOnlyAt: ledger.path)
        #expect(try await reopened.counts().receipts == 3_840)
        await reopened.close()
    }

    @Test func withoutTheCheckpointerTheSameWorkloadGrowsTheWAL() async throws {
        // The control for the test above: thresholds so high that nothing checkpoints, to show that
        // the bound there comes from the checkpointer and not from the workload being small.
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let never = WALCheckpointer.Thresholds(background: .max, finishInline: 0, inline: .max)
        let store = try SQLiteLedgerStore(at: ledger.path, options: SQLiteLedgerOptions(), checkpoints: never)
        for round in 0..<60 {
            let receipts = (0..<64).map { Sample.receipt(bizId: "r\(round)-\($0)",
                                                         phone: "139\(String(format: "%08d", ($0 * 7_919 + round * 104_729) % 100_000_000))") }
            _ = try await store.commit(Sample.batch(receipts: receipts))
        }
        #expect(Self.walPages(ledger.path) > Self.small.inline + 200)
        await store.close()
    }
}

import Foundation
import LedgerStore
import Logging
@testable import SMSLedgerDaemon
import Synchronization
import Testing

/// The pruner's loop against a scripted store: batches until one is empty, totals, failures.
@Suite("Pruner")
struct PrunerTests {
    /// Hands out the scripted batches in order (then empty ones), or throws where the script says.
    final class ScriptedRetention: LedgerRetention {
        let script: Mutex<[Result<PruneSummary, StoreError>]>
        let calls = Mutex(0)
        /// "warm N" and "batch N" (N the limit), in the order the pruner asked for them.
        let steps = Mutex<[String]>([])
        let warmingFails: Bool

        init(_ script: [Result<PruneSummary, StoreError>], warmingFails: Bool = false) {
            self.script = Mutex(script)
            self.warmingFails = warmingFails
        }

        func warmPruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws {
            steps.withLock { $0.append("warm \(limit)") }
            if warmingFails { throw StoreError(.busy, message: "reader busy") }
        }

        func pruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws -> PruneSummary {
            calls.withLock { $0 += 1 }
            steps.withLock { $0.append("batch \(limit)") }
            let next = script.withLock { $0.isEmpty ? .success(PruneSummary()) : $0.removeFirst() }
            return try next.get()
        }

        func pruneCandidates(_ policy: RetentionPolicy, now: Date) async throws -> PruneSummary { PruneSummary() }
    }

    static func pruner(_ store: ScriptedRetention) -> Pruner {
        var settings = Pruner.Settings(policy: RetentionPolicy(retentionDays: 30), interval: .seconds(3600))
        settings.pause = .zero
        return Pruner(settings: settings, store: store, logger: Logger(label: "test"))
    }

    @Test func aPassRunsBatchesUntilOneIsEmptyAndAddsThemUp() async {
        let store = ScriptedRetention([.success(PruneSummary(sends: 2, receipts: 3)), .success(PruneSummary(replies: 1))])
        let pruner = Self.pruner(store)
        #expect(await pruner.pass() == PruneSummary(sends: 2, receipts: 3, replies: 1))
        #expect(store.calls.withLock { $0 } == 3)
        #expect(pruner.snapshot.removed == PruneSummary(sends: 2, receipts: 3, replies: 1))
        #expect(pruner.snapshot.statusFragment == "pruned: 2 sends, 3 receipts, 1 replies, 0 quarantined")
    }

    @Test func aFailedBatchEndsThePassKeepsWhatWentAndIsReported() async {
        let store = ScriptedRetention([.success(PruneSummary(sends: 1)), .failure(StoreError(.busy, message: "locked")),
                                       .success(PruneSummary(sends: 5))])
        let pruner = Self.pruner(store)
        #expect(await pruner.pass() == PruneSummary(sends: 1))
        #expect(pruner.snapshot.lastFailure?.contains("locked") == true)
        #expect(await pruner.pass() == PruneSummary(sends: 5), "the next pass goes on")
        #expect(pruner.snapshot.lastFailure == nil)
        #expect(pruner.snapshot.passes == 2)
    }

    @Test func eachBatchIsWarmedFirstWithItsOwnLimitAndAFailedWarmUpChangesNothing() async {
        for fails in [false, true] {
            let store = ScriptedRetention([.success(PruneSummary(sends: 2)), .success(PruneSummary(replies: 1))],
                                          warmingFails: fails)
            let pruner = Self.pruner(store)
            #expect(await pruner.pass() == PruneSummary(sends: 2, replies: 1))
            // Three batches (the last one empty), each right after a warm-up with the same limit.
            let steps = store.steps.withLock { $0 }
            #expect(steps.count == 6, "\(steps)")
            for pair in stride(from: 0, to: steps.count - 1, by: 2) {
                #expect(steps[pair].hasPrefix("warm ") && steps[pair + 1] == "batch " + steps[pair].dropFirst(5),
                        "warm-up failing: \(fails), \(steps)")
            }
            #expect(pruner.snapshot.lastFailure == nil)
        }
    }

    @Test func aRunCountsItsBatchesAndTheirTimeAsTheCommandPrintsThem() async {
        let store = ScriptedRetention([.success(PruneSummary(sends: 1)), .success(PruneSummary(sends: 1))])
        let result = await Pruner.removeAll(RetentionPolicy(retentionDays: 30), from: store, now: { Date() },
                                            sizer: PruneBatchSizer(), pause: .zero)
        #expect(result.batches == 3, "two with rows and the empty one that ends the run")
        #expect(result.longest > .zero && result.total >= result.longest)
        #expect(result.mean == result.total / 3)
        #expect(Pruner.milliseconds(.milliseconds(12) + .microseconds(500)) == 12.5)
        #expect(Pruner.milliseconds(.seconds(2)) == 2000)
    }
}

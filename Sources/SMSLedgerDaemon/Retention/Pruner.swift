import Foundation
import LedgerStore
import Logging
import SMSLedgerCore
import Synchronization

/// The retention job: every `interval`, removes what ``RetentionPolicy`` lets go, in small batches.
///
/// Each batch is one short write transaction on the ledger's single writer, queued between the
/// pollers' group commits, so a commit waits at most one batch, and batches are sized to about 3 ms
/// each (``PruneBatchSizer``); the pause between batches leaves the
/// writer to the commits while a large backlog (the first pass over an old ledger) is worked off.
/// A failed batch ends the pass (logged; the next pass tries again): nothing is half-removed, since
/// a batch is one transaction.
public final class Pruner: Sendable {
    public struct Settings: Sendable {
        public var policy: RetentionPolicy
        public var interval: Duration
        /// Rows of each kind per transaction, adapted to a time per transaction (``PruneBatchSizer``).
        public var batchSizer = PruneBatchSizer()
        /// Between two batches of one pass.
        public var pause: Duration = .milliseconds(20)

        public init(policy: RetentionPolicy, interval: Duration) {
            self.policy = policy
            self.interval = interval
        }
    }

    /// What the pruner has removed since start, for `STATUS=` and tests.
    public struct Snapshot: Sendable, Equatable {
        public var passes = 0
        public var removed = PruneSummary()
        /// The longest batch (one write transaction, from the caller's side) seen so far.
        public var longestBatch: Duration = .zero
        public var lastFailure: String?

        /// e.g. `pruned: 1200 sends, 2400 receipts, 30 replies, 1 quarantined`.
        public var statusFragment: String {
            var text = "pruned: \(removed.sends) sends, \(removed.receipts) receipts, \(removed.replies) replies, "
                + "\(removed.quarantine) quarantined"
            if let lastFailure { text += ", last failure: \(lastFailure)" }
            return text
        }
    }

    let settings: Settings
    private let store: any LedgerRetention
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let state = Mutex(Snapshot())

    public init(settings: Settings, store: any LedgerRetention, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Passes every `interval` (the first one after the first interval) until the task is cancelled.
    public func run() async {
        guard settings.policy.prunes else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: settings.interval) } catch { return }
            await pass()
        }
    }

    /// Removes batches until one comes back empty (or the task is cancelled), then logs what went.
    @discardableResult
    public func pass() async -> PruneSummary {
        let result = await Self.removeAll(settings.policy, from: store, now: clock, sizer: settings.batchSizer,
                                          pause: settings.pause)
        if let failure = result.failure { logger.error("pruning stopped for this pass: \(failure)") }
        record(result.removed, longest: result.longest, failure: result.failure.map { "\($0)" })
        return result.removed
    }

    /// What one run of ``removeAll(_:from:now:sizer:pause:)`` did.
    public struct PassResult: Sendable {
        public var removed = PruneSummary()
        /// The longest batch, from the caller's side: how long a commit may have waited behind one.
        public var longest: Duration = .zero
        /// Batches run (the last, empty one included) and their time together, for the mean.
        public var batches = 0
        public var total: Duration = .zero

        /// The mean batch (zero before the first).
        public var mean: Duration { batches > 0 ? total / batches : .zero }
        /// The error that ended the run early; what ``removed`` counts is gone all the same, since
        /// each batch is its own transaction.
        public var failure: (any Error)?
    }

    /// Batches sized by `sizer` until one comes back empty, a batch fails or the task is cancelled,
    /// with `pause` between batches for the writer's commits. The daemon's passes and `smsledger
    /// prune` both run this.
    public static func removeAll(_ policy: RetentionPolicy, from store: any LedgerRetention, now: () -> Date,
                                 sizer: PruneBatchSizer, pause: Duration) async -> PassResult {
        var result = PassResult()
        var sizer = sizer
        let clock = ContinuousClock()
        while !Task.isCancelled {
            // Outside the timed batch: the warm-up reads without the write lock.
            try? await store.warmPruneBatch(policy, now: now(), limit: sizer.size)
            let started = clock.now
            do {
                let batch = try await store.pruneBatch(policy, now: now(), limit: sizer.size)
                let elapsed = clock.now - started
                sizer.record(elapsed)
                result.longest = max(result.longest, elapsed)
                result.batches += 1
                result.total += elapsed
                result.removed += batch
                if batch.isEmpty { break }
            } catch {
                result.failure = error
                break
            }
            if pause > .zero { try? await Task.sleep(for: pause) }
        }
        return result
    }

    private func record(_ removed: PruneSummary, longest: Duration, failure: String?) {
        state.withLock { s in
            s.passes += 1
            s.removed += removed
            s.longestBatch = max(s.longestBatch, longest)
            s.lastFailure = failure
        }
        guard !removed.isEmpty else { return }
        let millis = Self.milliseconds(longest)
        logger.notice("pruned rows older than \(settings.policy.retentionDays) days", metadata: [
            LogKeys.prunedSends: "\(removed.sends)", LogKeys.prunedReceipts: "\(removed.receipts)",
            LogKeys.prunedReplies: "\(removed.replies)", LogKeys.prunedQuarantine: "\(removed.quarantine)",
            LogKeys.pruneLongestMs: "\(String(format: "%.1f", millis))",
        ])
    }

    /// A batch's time as the journal (`PRUNE_LONGEST_MS`) and `smsledger prune` show it.
    public static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

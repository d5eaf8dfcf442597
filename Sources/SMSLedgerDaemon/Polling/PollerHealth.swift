import Foundation
import LedgerStore
import SMSLedgerCore
import Synchronization

/// What a poller has done and whether it is alive, for `STATUS=` and the watchdog.
///
/// "Alive" is about progress, not about the process: a poller whose receive or commit has been
/// stuck longer than it could legitimately take is wedged, and the watchdog must be allowed to fire.
public final class PollerHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var queue: String
        public var received = 0
        public var stored = 0
        public var duplicates = 0
        public var quarantined = 0
        public var deleteFailures = 0
        public var failuresInARow = 0
        public var lastFailure: ConsumeFailure?
        /// When the current step (receive, commit or delete) began; `nil` while resting on the timer.
        public var busySince: ContinuousClock.Instant?
        /// When a receive last brought at least one message (wall clock), for the silent-queue check.
        public var lastMessageAt: Date?
        /// The oldest `EnqueueTime` among messages received and not yet deleted; `nil` when none.
        public var oldestInFlight: Date?
    }

    private let state: Mutex<Snapshot>
    private let now: @Sendable () -> ContinuousClock.Instant
    /// The queue's pre-labelled metrics; `nil` while metrics are off.
    let metrics: QueueMetrics?

    /// - Parameter now: the clock that dates `busySince` (tests pass one they move by hand).
    init(queue: String, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }, metrics: QueueMetrics? = nil) {
        state = Mutex(Snapshot(queue: queue))
        self.now = now
        self.metrics = metrics
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Whether the poller made progress recently enough: idle pollers are alive (their timer is
    /// armed); a busy one is alive until its step has run longer than `maxStep`.
    public func isAlive(now: ContinuousClock.Instant, maxStep: Duration) -> Bool {
        state.withLock { s in
            guard let since = s.busySince else { return true }
            return now - since <= maxStep
        }
    }

    func markBusy(_ busy: Bool) {
        let instant = now()
        state.withLock { s in
            if busy { s.busySince = s.busySince ?? instant } else { s.busySince = nil }
        }
    }

    /// The failure count and last failure, as the poller's ``ConsumeCycle`` has them after its latest
    /// transition: the cycle owns the rule for when a run of failures ends.
    func mirror(_ cycle: ConsumeCycle) {
        state.withLock { s in
            s.failuresInARow = cycle.consecutiveFailures
            s.lastFailure = cycle.lastFailure
        }
    }

    /// A receive answered: a new step (commit) begins. `oldestEnqueued` is the earliest
    /// `EnqueueTime` in the batch, when the queue gave one.
    func recordReceived(_ count: Int, oldestEnqueued: Date? = nil) {
        let instant = now()
        let wallClock = count > 0 ? Date() : nil
        state.withLock { s in
            s.received += count
            s.busySince = instant
            if let wallClock { s.lastMessageAt = wallClock }
            s.oldestInFlight = oldestEnqueued
        }
        if let metrics {
            metrics.batchSize.record(Double(count))
            if count > 0 { metrics.received.increment(by: Int64(count)) }
        }
    }

    /// A batch is durable; `enqueuedAt` are the queue's `EnqueueTime`s of its messages.
    func recordCommitted(_ summary: CommitSummary, enqueuedAt: [Date] = []) {
        let instant = now()
        let stored = summary.receipts.new + summary.replies.new
        let duplicates = summary.receipts.duplicate + summary.replies.duplicate
        let quarantined = summary.quarantine.new + summary.quarantine.duplicate
        state.withLock { s in
            s.stored += stored
            s.duplicates += duplicates
            s.quarantined += quarantined
            s.busySince = instant
        }
        guard let metrics else { return }
        metrics.committed(stored: stored, duplicate: duplicates, quarantined: quarantined)
        guard !enqueuedAt.isEmpty else { return }
        let committedAt = Date()
        for enqueued in enqueuedAt {
            metrics.enqueueToCommit.record(.milliseconds(Int64(max(0, committedAt.timeIntervalSince(enqueued)) * 1000)))
        }
    }

    /// The batch left the poller's hands (deleted, or given up to redelivery).
    func recordBatchDone() {
        state.withLock { $0.oldestInFlight = nil }
    }

    func recordDeleteFailure() {
        state.withLock { $0.deleteFailures += 1 }
        metrics?.deleteFailures.increment()
    }
}

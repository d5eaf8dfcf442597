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
    }

    private let state: Mutex<Snapshot>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameter now: the clock that dates `busySince` (tests pass one they move by hand).
    init(queue: String, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        state = Mutex(Snapshot(queue: queue))
        self.now = now
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

    /// A receive answered: a new step (commit) begins.
    func recordReceived(_ count: Int) {
        let instant = now()
        state.withLock { s in
            s.received += count
            s.busySince = instant
        }
    }

    func recordCommitted(_ summary: CommitSummary) {
        let instant = now()
        state.withLock { s in
            s.stored += summary.receipts.new + summary.replies.new
            s.duplicates += summary.receipts.duplicate + summary.replies.duplicate
            s.quarantined += summary.quarantine.new + summary.quarantine.duplicate
            s.busySince = instant
        }
    }

    func recordDeleteFailure() {
        state.withLock { $0.deleteFailures += 1 }
    }
}

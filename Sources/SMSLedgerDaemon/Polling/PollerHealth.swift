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

    init(queue: String) {
        state = Mutex(Snapshot(queue: queue))
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
        state.withLock { s in
            if busy { s.busySince = s.busySince ?? .now } else { s.busySince = nil }
        }
    }

    func recordReceived(_ count: Int) {
        state.withLock { s in
            s.received += count
            // Only a commit ends a store outage (see ConsumeCycle.received): receives come back
            // empty while the messages the store refused are invisible, which is not recovery.
            if s.lastFailure?.kind != .storeUnavailable {
                s.failuresInARow = 0
                s.lastFailure = nil
            }
            s.busySince = .now
        }
    }

    func recordCommitted(_ summary: CommitSummary) {
        state.withLock { s in
            s.stored += summary.receipts.new + summary.replies.new
            s.duplicates += summary.receipts.duplicate + summary.replies.duplicate
            s.quarantined += summary.quarantine.new + summary.quarantine.duplicate
            s.failuresInARow = 0
            s.lastFailure = nil
            s.busySince = .now
        }
    }

    func recordDeleteFailure() {
        state.withLock { $0.deleteFailures += 1 }
    }

    func recordFailure(_ failure: ConsumeFailure) {
        state.withLock { s in
            s.failuresInARow += 1
            s.lastFailure = failure
        }
    }

    func recordCycleCompleted() {
        state.withLock { s in
            s.failuresInARow = 0
            s.lastFailure = nil
        }
    }
}

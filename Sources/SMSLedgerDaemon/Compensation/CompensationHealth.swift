import Foundation
import LedgerStore
import SMSLedgerCore
import Synchronization

/// What the compensator has done, for `STATUS=` and tests. Counters only grow.
public final class CompensationHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Ticks finished.
        public var ticks = 0
        /// QuerySendDetails calls made (every page counts).
        public var queries = 0
        /// Sends whose question was answered (settled, or still in progress at the provider).
        public var answered = 0
        /// Rows that became new receipts in the ledger.
        public var rowsApplied = 0
        /// Sends a final row settled.
        public var settled = 0
        /// Sends closed as `unknown` because their window ran out.
        public var closedUnknown = 0
        /// "Slow down" answers; each one slowed the limiter (once per burst).
        public var throttled = 0
        /// Timeouts, 5xx, resets, unreadable answers: the sends stay due.
        public var transientFailures = 0
        /// Business refusals of single questions: the sends wait for their next check.
        public var refused = 0
        /// The limiter's current rate, requests per second.
        public var currentQPS = 0.0
        /// Set by a configuration error (bad key, missing permission); cleared by a tick that asked
        /// successfully. While set, each tick stops at its first question.
        public var configurationError: String?
        public var lastFailure: String?
        public var lastTickAt: Date?
        /// When the running tick last made progress; `nil` between ticks.
        public var busySince: ContinuousClock.Instant?

        /// e.g. `compensation: 120 queries, 30 applied, 2 closed unknown, 3 throttled (16.0/s)`.
        public var statusFragment: String {
            var text = "compensation: \(queries) queries, \(rowsApplied) applied, \(closedUnknown) closed unknown, "
                + "\(throttled) throttled (\(String(format: "%.1f", currentQPS))/s)"
            if let configurationError { text += ", needs attention: \(configurationError)" }
            return text
        }
    }

    private let state: Mutex<Snapshot>
    /// Fed with every change of the counters; `nil` while metrics are off.
    private let metrics: CompensationMetrics?

    init(qps: Double, metrics: CompensationMetrics? = nil) {
        var snapshot = Snapshot()
        snapshot.currentQPS = qps
        state = Mutex(snapshot)
        self.metrics = metrics
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Alive unless a tick has gone `maxStall` without finishing a single question: each question is
    /// bounded by the request timeout and one limiter wait, so a longer silence means it is wedged.
    public func isAlive(now: ContinuousClock.Instant, maxStall: Duration) -> Bool {
        state.withLock { s in s.busySince.map { now - $0 <= maxStall } ?? true }
    }

    func update(_ body: (inout Snapshot) -> Void) {
        change(body)
    }

    /// Every change goes through here, so the metrics see each counter's growth exactly once.
    private func change(_ body: (inout Snapshot) -> Void) {
        guard let metrics else { return state.withLock { body(&$0) } }
        let (old, new) = state.withLock { s in
            let old = s
            body(&s)
            return (old, s)
        }
        metrics.advance(from: old, to: new)
    }

    func markProgress() {
        state.withLock { $0.busySince = .now }
    }

    func recordFlush(_ summary: CommitSummary, decisions: [CompensationDecision]) {
        change { s in
            s.rowsApplied += summary.receipts.new
            for decision in decisions {
                if case .settled = decision.finding { s.settled += 1 }
                if case .close = decision.outcome { s.closedUnknown += 1 }
            }
        }
    }
}

/// The life of one queue poller, as a pure state machine: receive → commit → delete → receive.
///
/// The poller's I/O shell feeds it what happened and carries out the action it returns; nothing here
/// touches a socket or a clock, so every path (including the ones that matter for "nothing lost":
/// a failed commit never leads to a delete) is tested directly.
///
/// ```
///            tick                 messages              committed
///   idle ─────────▶ receiving ───────────────▶ committing ─────────▶ deleting
///    ▲   ◀── wait ──┘  │ empty / failed            │ commit failed        │ done (failures are
///    │                 ▼                           ▼                      │  left to redeliver)
///    └──────────── waiting(backoff) ◀──────────────┘◀─────────────────────┘
/// ```
///
/// A stop request never abandons a batch: a poller that holds received messages commits and
/// deletes them first, then reports `.finished`.
public struct ConsumeCycle: Sendable {
    public enum State: Sendable, Equatable {
        case idle
        case receiving
        case committing(messages: Int)
        case deleting
        case waiting
        case finished
    }

    /// What the shell must do next.
    public enum Action: Sendable, Equatable {
        /// Start one BatchReceiveMessage.
        case receive
        /// Normalise and commit the batch just received, in one transaction.
        case commit
        /// The commit is durable: delete the handles (all of them, including quarantined ones).
        case delete
        /// Arm the timer: the next tick comes after this delay (zero: at once).
        case schedule(after: Duration)
        /// Nothing to do now (e.g. a tick while a receive is in flight).
        case none
        /// Stopped cleanly; nothing is in flight.
        case finish
    }

    public private(set) var state: State = .idle
    public private(set) var stopping = false
    /// Failures in a row (any class); reset by a successful receive or commit (see ``recover(byCommit:)``).
    public private(set) var consecutiveFailures = 0
    /// The last failure, for the status line and logs; cleared with ``consecutiveFailures``. The
    /// poller's health mirrors both, so the daemon's status follows this one rule.
    public private(set) var lastFailure: ConsumeFailure?
    public let policy: RetryPolicy

    public init(policy: RetryPolicy = RetryPolicy()) {
        self.policy = policy
    }

    /// The timer fired.
    public mutating func tick() -> Action {
        switch state {
        case .idle, .waiting:
            if stopping { return finish() }
            state = .receiving
            return .receive
        case .receiving, .committing, .deleting:
            return .none
        case .finished:
            return .finish
        }
    }

    /// A receive returned `count` messages after `elapsed`.
    ///
    /// An empty answer that came back much faster than the long-poll wait means MNS refused to hold
    /// the request (its concurrent long-poll limit); looping at once would spin, so wait a little.
    public mutating func received(count: Int, elapsed: Duration, waitSeconds: Int) -> Action {
        guard state == .receiving else { return .none }
        recover(byCommit: false)
        if count > 0 {
            state = .committing(messages: count)
            return .commit
        }
        let instant = waitSeconds > 0 && elapsed < .milliseconds(250)
        return rest(after: instant ? policy.emptyAnswerPause : .zero)
    }

    /// A receive failed. Nothing was taken from the queue, so nothing can be lost.
    public mutating func receiveFailed(_ failure: ConsumeFailure, jitter: Double) -> Action {
        guard state == .receiving else { return .none }
        return fail(failure, jitter: jitter)
    }

    /// The batch (stored events and quarantine rows) is durable: now, and only now, delete.
    public mutating func committed() -> Action {
        guard case .committing = state else { return .none }
        recover(byCommit: true)
        state = .deleting
        return .delete
    }

    /// The store could not commit. Nothing is deleted: the messages reappear after their visibility
    /// timeout and the idempotent write absorbs any that were in fact stored.
    public mutating func commitFailed(_ failure: ConsumeFailure, jitter: Double) -> Action {
        guard case .committing = state else { return .none }
        return fail(failure, jitter: jitter)
    }

    /// Deleting finished. Handles that failed to delete are not retried here: their messages come
    /// back and are absorbed by the idempotent write, which is cheaper and simpler than tracking them.
    public mutating func deleted() -> Action {
        guard state == .deleting else { return .none }
        lastFailure = nil
        return rest(after: .zero)
    }

    /// Graceful stop: finish what is in flight, start nothing new.
    public mutating func stop() -> Action {
        stopping = true
        switch state {
        case .idle, .waiting: return finish()
        case .finished: return .finish
        case .receiving, .committing, .deleting: return .none
        }
    }

    /// The one rule for ending a run of failures. A receive proves the queue side works, not the
    /// store: while the store is failing, the messages it could not take stay invisible and receives
    /// come back empty, so only a commit may end a store outage (and its backoff keeps growing until then).
    private mutating func recover(byCommit: Bool) {
        guard byCommit || lastFailure?.kind != .storeUnavailable else { return }
        consecutiveFailures = 0
        lastFailure = nil
    }

    private mutating func rest(after delay: Duration) -> Action {
        if stopping { return finish() }
        state = delay == .zero ? .idle : .waiting
        return .schedule(after: delay)
    }

    private mutating func fail(_ failure: ConsumeFailure, jitter: Double) -> Action {
        consecutiveFailures += 1
        lastFailure = failure
        return rest(after: policy.delay(for: failure.kind, attempt: consecutiveFailures, jitter: jitter))
    }

    private mutating func finish() -> Action {
        state = .finished
        return .finish
    }
}

/// Why a step of the cycle failed, classified by what to do about it.
public struct ConsumeFailure: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Network trouble, 5xx, throttling: retry with jittered backoff.
        case transient
        /// The token was refused even after a forced refresh: retry with backoff.
        case authentication
        /// Needs a person (wrong queue name, RAM policy, signature): loud, retried slowly so that a
        /// fixed config plus reload recovers without a restart.
        case configuration
        /// The ledger cannot commit (disk full, read-only, locked): back off, delete nothing.
        case storeUnavailable = "store_unavailable"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// How long to wait after a failure.
///
/// | failure            | attempt 1 | 2    | 3    | 4    | 5+ (cap)           |
/// |--------------------|-----------|------|------|------|--------------------|
/// | transient, auth    | 0.5 s     | 1 s  | 2 s  | 4 s  | doubling to `maxBackoff` |
/// | store unavailable  | 1 s       | 2 s  | 4 s  | 8 s  | doubling to `maxBackoff` |
/// | configuration      | `configurationRetry` every time |
///
/// Each delay is scaled by a jitter factor in 0.5...1.0 ("equal jitter") so that many pollers
/// failing together do not retry in lockstep.
public struct RetryPolicy: Sendable, Equatable {
    public var maxBackoff: Duration
    public var configurationRetry: Duration
    public var emptyAnswerPause: Duration

    public init(maxBackoff: Duration = .seconds(60), configurationRetry: Duration = .seconds(300),
                emptyAnswerPause: Duration = .seconds(1)) {
        self.maxBackoff = maxBackoff
        self.configurationRetry = configurationRetry
        self.emptyAnswerPause = emptyAnswerPause
    }

    /// `jitter` is a uniform random number in 0...1 supplied by the caller (tests pass fixed values).
    public func delay(for kind: ConsumeFailure.Kind, attempt: Int, jitter: Double) -> Duration {
        if kind == .configuration { return configurationRetry }
        let base: Duration = kind == .storeUnavailable ? .seconds(1) : .milliseconds(500)
        let exponent = min(max(attempt - 1, 0), 20)
        let raw = min(base * (1 << exponent), maxBackoff)
        let factor = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return raw * factor
    }
}

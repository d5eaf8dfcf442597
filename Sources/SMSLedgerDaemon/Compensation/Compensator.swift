import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import Synchronization

/// The compensation job: on a Dispatch timer, asks QuerySendDetails about open sends whose receipt
/// never came, and records what it learns through the same store path as queue messages.
///
/// Alibaba says receipts may be lost; QuerySendDetails is its answer, but only for the last 30 days.
/// Every decision (what is due, what to ask, how to read an answer, when to ask again, when to
/// give up) is made by ``CompensationPlanner`` in SMSLedgerCore; this class only carries them out:
///
/// 1. `claimDueSends(now:limit:leaseUntil:)`: the head of the due index, at most
///    ``CompensatorSettings/batchLimit``, claimed so that daemons sharing a ledger never ask twice.
/// 2. ``CompensationPlanner/plan(_:now:)``: lookups grouped by phone and Beijing send date, plus
///    closures for sends whose date left the window.
/// 3. Lookups run at most ``CompensatorSettings/concurrency`` at a time, each page after a token
///    from the ``TokenBucket``; pages are read until all rows are in.
/// 4. Rows → ``CompensationPlanner/applying(rows:to:now:)`` → receipts committed with
///    `store.commit` (source `compensation`), then the decisions with `store.markChecked`.
///
/// What an error does: throttling slows the limiter and leaves the send due (the next tick asks
/// again); timeouts, 5xx and unreadable answers leave it due; a business refusal of one question
/// re-schedules that send by the backoff; a configuration error (bad key, no permission) is logged
/// as an error, stops the tick, and shows in the status line until a question succeeds.
public final class Compensator: Sendable {
    public let health: CompensationHealth
    let store: any LedgerStore
    let source: any SendDetailsSource
    let logger: Logger
    let now: @Sendable () -> Date
    let limiter: RateLimiter
    let settings: Mutex<CompensatorSettings>
    private let lifecycle = Mutex(Lifecycle())
    private let timer = Mutex<PollTimer?>(nil)

    private struct Lifecycle {
        var started = false
        var stopping = false
        var tick: Task<Void, Never>?
    }

    /// Builds the compensator; nothing runs until ``start()``.
    ///
    /// - Parameters:
    ///   - source: a ``DysmsClient`` in production.
    ///   - now: the wall clock used for due times, the window and decisions; injectable for tests.
    ///   - pacing: the monotonic clock and the waits of the rate limiter; injectable for tests.
    public init(store: any LedgerStore, source: any SendDetailsSource, settings: CompensatorSettings,
                logger: Logger, metrics: CompensationMetrics? = nil, now: @escaping @Sendable () -> Date = { Date() },
                pacing: any PacingClock = SystemPacingClock()) {
        self.store = store
        self.source = source
        self.settings = Mutex(settings)
        self.now = now
        limiter = RateLimiter(rate: settings.maxQPS, burst: settings.burst, clock: pacing)
        health = CompensationHealth(qps: settings.maxQPS, metrics: metrics)
        var logger = logger
        logger[metadataKey: LogKeys.poller] = "compensator"
        self.logger = logger
    }

    /// Arms the timer for a first tick right away; later ticks start ``CompensatorSettings/interval``
    /// after the previous one ended, so ticks never overlap. Calling it twice, or after ``stop()``,
    /// does nothing.
    public func start() {
        let armed = lifecycle.withLock { state -> Bool in
            guard !state.started, !state.stopping else { return false }
            state.started = true
            return true
        }
        guard armed else { return }
        let timer = PollTimer(label: "smsledger.compensator") { [weak self] in self?.onTimer() }
        self.timer.withLock { $0 = timer }
        timer.schedule(after: .zero)
    }

    /// Graceful stop: no new question is started; the questions in flight are finished (each is
    /// bounded by the request timeout), and what they found is committed before this returns.
    /// Sends that were not asked stay due for the next start.
    public func stop() async {
        let running = lifecycle.withLock { state -> Task<Void, Never>? in
            state.stopping = true
            return state.tick
        }
        timer.withLock { timer in
            timer?.cancel()
            timer = nil
        }
        await running?.value
    }

    /// Applies reloaded settings from the next tick on. A new QPS ceiling starts a fresh bucket.
    public func update(_ newSettings: CompensatorSettings) {
        let old = settings.withLock { current -> CompensatorSettings in
            defer { current = newSettings }
            return current
        }
        if old.maxQPS != newSettings.maxQPS || old.concurrency != newSettings.concurrency {
            limiter.reconfigure(rate: newSettings.maxQPS, burst: newSettings.burst)
        }
    }

    var isStopping: Bool { lifecycle.withLock { $0.stopping } }

    private func onTimer() {
        lifecycle.withLock { state in
            guard !state.stopping, state.tick == nil else { return }
            state.tick = Task { await self.tickAndRearm() }
        }
    }

    private func tickAndRearm() async {
        _ = await runOnce()
        let interval = settings.withLock { $0.interval }
        let rearm = lifecycle.withLock { state -> Bool in
            state.tick = nil
            return !state.stopping
        }
        if rearm { timer.withLock { $0?.schedule(after: interval) } }
    }
}

/// What one tick did, for tests and for a one-shot run from the command line.
public struct CompensationTickReport: Sendable, Equatable {
    /// Sends the store returned as due.
    public var due = 0
    /// Lookups answered (a lookup is one biz id, all its pages).
    public var answered = 0
    /// Decisions recorded, by what they found.
    public var settled = 0
    public var rescheduled = 0
    public var closed = 0
    /// Lookups that got no answer and left their send due.
    public var throttled = 0
    public var transient = 0
    /// Lookups refused by a business error; their sends were re-scheduled.
    public var refused = 0
    /// Lookups not started because the tick stopped (shutdown, configuration error).
    public var skipped = 0
    /// Receipts that were new to the ledger.
    public var receiptsStored = 0
    public var quarantined = 0
    /// Set when a configuration error stopped the tick.
    public var configurationError: String?
    /// Set when the store refused a read or a write; the affected sends stay due.
    public var storeFailure: String?

    public init() {}

    /// Sends whose check was recorded (settled, re-scheduled or closed).
    public var decided: Int { settled + rescheduled + closed }
}

import Foundation
import SMSLedgerConfig
import SMSLedgerCore

/// How the compensator runs: the `[compensation]` section, plus the limits that are not configurable.
public struct CompensatorSettings: Sendable, Equatable {
    /// Time between the end of one tick and the start of the next.
    public var interval: Duration
    public var policy: CompensationPolicy
    /// Ceiling on QuerySendDetails calls per second, before throttling slows it further.
    public var maxQPS: Double
    /// Lookups in flight at once.
    public var concurrency: Int
    /// Due sends taken per tick. Selection uses the store's due index, so this bounds the work of a
    /// tick (and its memory), not the cost of finding it; a backlog drains over several ticks.
    public var batchLimit: Int
    public var paging: SendDetailsPaging
    /// Decisions gathered before they are committed, so a long tick saves its progress as it goes.
    public var flushEvery: Int

    /// How long the sends of one tick stay claimed, in seconds: daemons sharing a PostgreSQL ledger
    /// skip each other's claims, and the claims of a daemon that died return after this. Four times
    /// what a full tick needs at the rate ceiling (100 s with the defaults), and at least 30 s, so a
    /// slow tick does not lose its claims to another daemon half way (which would query a send twice).
    public var claimLease: TimeInterval { max(30, Double(batchLimit) / maxQPS * 4) }

    public init(interval: Duration = .seconds(60), policy: CompensationPolicy = CompensationPolicy(),
                maxQPS: Double = 20, concurrency: Int = 4, batchLimit: Int = 500,
                paging: SendDetailsPaging = SendDetailsPaging(), flushEvery: Int = 100) {
        self.interval = max(.milliseconds(10), interval)
        self.policy = policy
        self.maxQPS = maxQPS.isFinite ? max(TokenBucket.minimumRate, maxQPS) : TokenBucket.minimumRate
        self.concurrency = max(1, concurrency)
        self.batchLimit = max(1, batchLimit)
        self.paging = paging
        self.flushEvery = max(1, flushEvery)
    }

    /// From the config file. The last check before the window closes is scheduled at least an hour,
    /// and at least three ticks, ahead of the close, so it is not missed while waiting for a tick.
    public init(_ settings: CompensationSettings) {
        let schedule = CheckSchedule(firstCheckAfter: settings.firstCheckAfter, backoff: settings.backoff)
        let lead = max(.seconds(3_600), settings.interval * 3)
        self.init(interval: settings.interval,
                  policy: CompensationPolicy(schedule: schedule, window: QueryWindow(days: settings.windowDays),
                                             lastCheckLead: lead),
                  maxQPS: settings.maxQPS, concurrency: settings.concurrency)
    }

    /// The burst the rate limiter allows: one request per worker.
    var burst: Double { Double(concurrency) }
}

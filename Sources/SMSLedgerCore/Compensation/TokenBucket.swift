/// A token-bucket rate limiter as a plain value: it holds no clock and never sleeps; callers pass
/// `now` and sleep for the wait it returns.
///
/// **Rate.** Tokens refill at ``rate`` per second up to ``capacity`` (the burst). ``take(now:)``
/// reserves one token even when none is left, so the bucket may go negative: the caller waits
/// until its token would have arrived, and concurrent callers queue up in order instead of
/// stampeding when a token appears.
///
/// **Throttling** (additive increase, multiplicative decrease, as TCP does):
/// - An answer that says "slow down" halves ``rate`` (never below ``floorRate``) and empties the
///   bucket, so the burst that caused it stops at once.
/// - Throttled answers to requests sent together arrive together; only the first within
///   ``throttleCooldown`` halves, so ten answers from one burst do not divide the rate by 1,024.
/// - After ``throttleCooldown`` without throttling, ``rate`` grows back by
///   ``recoveryPerSecond`` × ``ceilingRate`` per second (5 % of the configured rate per second:
///   from half speed back to full in 10 s, from the floor in at most 20 s) and never above the
///   ceiling.
public struct TokenBucket: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public static let throttleCooldown: Duration = .seconds(1)
    public static let recoveryPerSecond = 0.05
    /// The lowest rate throttling can push us to: one request every ten seconds.
    public static let minimumRate = 0.1

    /// The configured rate, tokens per second.
    public let ceilingRate: Double
    public let floorRate: Double
    /// Largest burst.
    public let capacity: Double
    /// The current rate, tokens per second.
    public private(set) var rate: Double
    public private(set) var tokens: Double
    private var updatedAt: Instant
    private var lastThrottleAt: Instant?

    /// A full bucket. `rate` and `capacity` below their minimum (or not finite) are raised to it.
    public init(rate: Double, capacity: Double, now: Instant) {
        let ceiling = rate.isFinite ? max(Self.minimumRate, rate) : Self.minimumRate
        ceilingRate = ceiling
        floorRate = min(ceiling, Self.minimumRate)
        self.capacity = capacity.isFinite ? max(1, capacity) : 1
        self.rate = ceiling
        tokens = self.capacity
        updatedAt = now
    }

    /// Takes a token; returns how long to wait before using it (zero when one was there).
    public mutating func take(now: Instant) -> Duration {
        advance(to: now)
        tokens -= 1
        guard tokens < 0 else { return .zero }
        // Whole nanoseconds, rounded to nearest, so 1 token at 10/s is exactly 100 ms.
        return .nanoseconds(Int64(min(1e15, (-tokens / rate * 1e9).rounded())))
    }

    /// The service answered "throttled": slow down (see the type's documentation).
    public mutating func throttled(now: Instant) {
        advance(to: now)
        if let last = lastThrottleAt, now - last < Self.throttleCooldown { return }
        rate = max(floorRate, rate / 2)
        tokens = min(tokens, 0)
        lastThrottleAt = now
    }

    /// Refills for the time since the last update and lets the rate recover.
    private mutating func advance(to now: Instant) {
        guard now > updatedAt else { return }
        let elapsed = (now - updatedAt).asTimeInterval
        tokens = min(capacity, tokens + elapsed * rate)
        if rate < ceilingRate {
            let recoveringSince = lastThrottleAt.map { max(updatedAt, $0 + Self.throttleCooldown) } ?? updatedAt
            if now > recoveringSince {
                let recovering = (now - recoveringSince).asTimeInterval
                rate = min(ceilingRate, rate + recovering * Self.recoveryPerSecond * ceilingRate)
            }
        }
        updatedAt = now
    }
}

import SMSLedgerCore
import Synchronization

/// The monotonic time the compensator paces itself by, and how it waits: the real clock in
/// production, a virtual one in tests, so a test of the pace runs in no wall time and always the
/// same way.
public protocol PacingClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func sleep(for duration: Duration) async throws
}

/// `ContinuousClock` and `Task.sleep`.
public struct SystemPacingClock: PacingClock {
    public init() {}
    public var now: ContinuousClock.Instant { .now }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// The compensator's ``TokenBucket`` behind a lock, with the sleeping the pure bucket leaves out.
///
/// Every question to QuerySendDetails (every page) takes a token first; concurrent workers share
/// one bucket, so `concurrency` bounds how many wait on the network and the bucket bounds how fast
/// they may start.
final class RateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>
    private let clock: any PacingClock

    init(rate: Double, burst: Double, clock: any PacingClock = SystemPacingClock()) {
        self.clock = clock
        bucket = Mutex(TokenBucket(rate: rate, capacity: burst, now: clock.now))
    }

    /// Waits for a token. Throws `CancellationError` when the task is cancelled while waiting.
    func acquire() async throws {
        let now = clock.now
        let wait = bucket.withLock { $0.take(now: now) }
        if wait > .zero { try await clock.sleep(for: wait) }
    }

    /// The service said "slow down".
    func throttled() {
        let now = clock.now
        bucket.withLock { $0.throttled(now: now) }
    }

    /// Requests per second allowed right now.
    var currentRate: Double { bucket.withLock { $0.rate } }

    /// A new ceiling from a reload; starts full at the new rate.
    func reconfigure(rate: Double, burst: Double) {
        let now = clock.now
        bucket.withLock { $0 = TokenBucket(rate: rate, capacity: burst, now: now) }
    }
}

import SMSLedgerCore
import Synchronization

/// The compensator's ``TokenBucket`` behind a lock, with the sleeping the pure bucket leaves out.
///
/// Every question to QuerySendDetails (every page) takes a token first; concurrent workers share
/// one bucket, so `concurrency` bounds how many wait on the network and the bucket bounds how fast
/// they may start.
final class RateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>

    init(rate: Double, burst: Double) {
        bucket = Mutex(TokenBucket(rate: rate, capacity: burst, now: .now))
    }

    /// Waits for a token. Throws `CancellationError` when the task is cancelled while waiting.
    func acquire() async throws {
        let wait = bucket.withLock { $0.take(now: .now) }
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    /// The service said "slow down".
    func throttled() {
        bucket.withLock { $0.throttled(now: .now) }
    }

    /// Requests per second allowed right now.
    var currentRate: Double { bucket.withLock { $0.rate } }

    /// A new ceiling from a reload; starts full at the new rate.
    func reconfigure(rate: Double, burst: Double) {
        bucket.withLock { $0 = TokenBucket(rate: rate, capacity: burst, now: .now) }
    }
}

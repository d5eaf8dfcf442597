import Testing
import SMSLedgerCore

@Suite("Token bucket")
struct TokenBucketTests {
    private let start = ContinuousClock.now

    @Test("a full bucket serves its capacity without waiting")
    func burst() {
        var bucket = TokenBucket(rate: 10, capacity: 3, now: start)
        #expect((0..<3).map { _ in bucket.take(now: start) } == [.zero, .zero, .zero])
    }

    @Test("an empty bucket makes each taker wait one token's time longer than the last")
    func queuedWaits() {
        var bucket = TokenBucket(rate: 10, capacity: 1, now: start)
        #expect(bucket.take(now: start) == .zero)
        #expect(bucket.take(now: start) == .milliseconds(100))
        #expect(bucket.take(now: start) == .milliseconds(200))
    }

    @Test("tokens refill at the rate, up to the capacity")
    func refill() {
        var bucket = TokenBucket(rate: 10, capacity: 2, now: start)
        _ = bucket.take(now: start)
        _ = bucket.take(now: start)
        #expect(bucket.take(now: start + .milliseconds(100)) == .zero)
        #expect(bucket.take(now: start + .seconds(60)) == .zero)
        #expect(bucket.tokens <= 2)
    }

    @Test("a throttled answer halves the rate and empties the bucket")
    func throttleHalves() {
        var bucket = TokenBucket(rate: 20, capacity: 5, now: start)
        bucket.throttled(now: start)
        #expect(bucket.rate == 10)
        #expect(bucket.take(now: start) == .milliseconds(100))
    }

    @Test("throttled answers from one burst halve the rate once")
    func cooldown() {
        var bucket = TokenBucket(rate: 20, capacity: 5, now: start)
        bucket.throttled(now: start)
        bucket.throttled(now: start + .milliseconds(300))
        #expect(bucket.rate == 10)
        bucket.throttled(now: start + .milliseconds(1_100))
        #expect(bucket.rate < 10)
    }

    @Test("the rate never falls below the floor")
    func floor() {
        var bucket = TokenBucket(rate: 1, capacity: 1, now: start)
        for second in 0..<20 { bucket.throttled(now: start + .seconds(second * 2)) }
        #expect(bucket.rate >= TokenBucket.minimumRate)
    }

    @Test("after throttling stops the rate recovers by 5 % of the ceiling per second")
    func recovers() {
        var bucket = TokenBucket(rate: 20, capacity: 5, now: start)
        bucket.throttled(now: start)
        // Cooldown of 1 s, then 2 s of recovery: 10 + 2 × 1.
        _ = bucket.take(now: start + .seconds(3))
        #expect(abs(bucket.rate - 12) < 0.001)
    }

    @Test("recovery never passes the configured rate")
    func ceiling() {
        var bucket = TokenBucket(rate: 20, capacity: 5, now: start)
        bucket.throttled(now: start)
        _ = bucket.take(now: start + .seconds(3_600))
        #expect(bucket.rate == 20)
    }
}

@testable import AlibabaCloud
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("the base delay doubles per attempt as the doc table says, then stops at the cap")
    func table() {
        let backoff = Backoff()
        let expected: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
                                    .seconds(16), .seconds(32), .seconds(60), .seconds(60)]
        #expect((1...9).map(backoff.baseDelay(attempt:)) == expected)
        #expect(backoff.baseDelay(attempt: 10_000) == .seconds(60))
    }

    @Test("attempt 0 or below counts as the first")
    func nonPositiveAttempt() {
        #expect(Backoff().baseDelay(attempt: 0) == .milliseconds(500))
        #expect(Backoff().baseDelay(attempt: -3) == .milliseconds(500))
    }

    @Test("jitter spans half the base delay to the full base delay")
    func jitterBounds() {
        let backoff = Backoff()
        #expect(backoff.delay(attempt: 3, jitter: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 3, jitter: 1) == .seconds(2))
        #expect(backoff.delay(attempt: 3, jitter: 0.5) == .milliseconds(1500))
        #expect(backoff.delay(attempt: 3, jitter: 7) == .seconds(2))
        #expect(backoff.delay(attempt: 3, jitter: -1) == .seconds(1))
    }

    @Test("an injected generator makes the delay reproducible and keeps it in bounds")
    func injectedGenerator() {
        var first = SplitMix(seed: 42)
        var second = SplitMix(seed: 42)
        let backoff = Backoff()
        for attempt in 1...12 {
            let a = backoff.delay(attempt: attempt, using: &first)
            #expect(a == backoff.delay(attempt: attempt, using: &second))
            let base = backoff.baseDelay(attempt: attempt)
            #expect(a >= base / 2 && a <= base)
        }
    }

    @Test("custom base, factor and cap")
    func custom() {
        let backoff = Backoff(base: .seconds(1), factor: 3, cap: .seconds(20))
        #expect((1...4).map(backoff.baseDelay(attempt:)) == [.seconds(1), .seconds(3), .seconds(9), .seconds(20)])
    }
}

/// A tiny deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

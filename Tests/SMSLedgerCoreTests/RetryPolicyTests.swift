import Testing
@testable import SMSLedgerCore

/// The one retry schedule (the table on ``RetryPolicy``); `Backoff` in AlibabaCloud was a copy of it.
@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func transientDelaysDoubleFromHalfASecondUpToTheCap() {
        let policy = RetryPolicy(maxBackoff: .seconds(60))
        let expected: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8),
                                    .seconds(16), .seconds(32), .seconds(60), .seconds(60)]
        #expect((1...9).map { policy.delay(for: .transient, attempt: $0, jitter: 1) } == expected)
        #expect(policy.delay(for: .transient, attempt: 10_000, jitter: 1) == .seconds(60))
    }

    @Test func aStoreThatCannotCommitWaitsTwiceAsLong() {
        let policy = RetryPolicy(maxBackoff: .seconds(60))
        #expect((1...4).map { policy.delay(for: .storeUnavailable, attempt: $0, jitter: 1) }
                == [.seconds(1), .seconds(2), .seconds(4), .seconds(8)])
    }

    @Test func attemptZeroOrBelowCountsAsTheFirst() {
        #expect(RetryPolicy().delay(for: .transient, attempt: 0, jitter: 1) == .milliseconds(500))
        #expect(RetryPolicy().delay(for: .transient, attempt: -3, jitter: 1) == .milliseconds(500))
    }

    @Test func jitterSpansHalfToAllOfTheDelayAndIsClamped() {
        let policy = RetryPolicy()
        #expect(policy.delay(for: .transient, attempt: 3, jitter: 0.5) == .milliseconds(1500))
        #expect(policy.delay(for: .transient, attempt: 3, jitter: 7) == .seconds(2))
        #expect(policy.delay(for: .transient, attempt: 3, jitter: -1) == .seconds(1))
    }
}

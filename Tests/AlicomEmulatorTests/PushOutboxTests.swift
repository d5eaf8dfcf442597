@testable import AlicomEmulator
import Testing

@Suite("PushOutbox: due times, retries and abandonment as a pure value")
struct PushOutboxTests {
    @Test func anItemIsNotTakenBeforeItIsDue() {
        var outbox = PushOutbox(kind: .smsReport)
        outbox.add("a", delayMillis: 500, now: 1_000)
        #expect(outbox.take(max: 10, leaseMillis: 10_000, now: 1_499).isEmpty)
        #expect(outbox.take(max: 10, leaseMillis: 10_000, now: 1_500).map(\.text) == ["a"])
    }

    @Test func aFailedItemReturnsAfterTheRetryDelayWithItsAttemptCounted() {
        var outbox = PushOutbox(kind: .smsReport)
        outbox.add("a", now: 0)
        let first = outbox.take(max: 1, leaseMillis: 10_000, now: 0)
        #expect(outbox.fail(first, retryDelayMillis: 100, maxAttempts: 3, now: 10) == .init(accepted: 0, abandoned: 0))
        #expect(outbox.take(max: 1, leaseMillis: 10_000, now: 109).isEmpty)
        #expect(outbox.take(max: 1, leaseMillis: 10_000, now: 110).map(\.attempt) == [2])
    }

    @Test func anItemThatFailedMaxAttemptsTimesIsAbandoned() {
        var outbox = PushOutbox(kind: .smsUp)
        outbox.add("a", now: 0)
        var abandoned = 0
        for round in 0..<3 {
            let now = EpochMillis(round * 100)
            abandoned += outbox.fail(outbox.take(max: 1, leaseMillis: 10_000, now: now), retryDelayMillis: 50,
                                     maxAttempts: 3, now: now).abandoned
        }
        #expect(abandoned == 1)
        #expect(outbox.pending == 0)
    }

    @Test func anAcceptedDuplicateIsNotRepeatedAgain() {
        var outbox = PushOutbox(kind: .smsReport)
        outbox.add("a", now: 0)
        let first = outbox.accept(outbox.take(max: 1, leaseMillis: 1_000, now: 0), repeatDelayMillis: 10, now: 0) { _ in true }
        let repeated = outbox.take(max: 1, leaseMillis: 1_000, now: 10)
        #expect(repeated.map(\.isDuplicate) == [true])
        let second = outbox.accept(repeated, repeatDelayMillis: 10, now: 10) { _ in true }
        #expect((first.accepted, second.accepted, outbox.pending) == (1, 1, 0))
    }
}

import Testing
@testable import SMSLedgerCore

@Suite("The consume cycle: receive, commit, then delete")
struct ConsumeCycleTests {
    private func cycleWithBatch(_ count: Int = 3) -> ConsumeCycle {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        _ = cycle.received(count: count, elapsed: .milliseconds(5), waitSeconds: 30)
        return cycle
    }

    @Test func aTickStartsOneReceiveAndFurtherTicksWaitForIt() {
        var cycle = ConsumeCycle()
        #expect(cycle.tick() == .receive)
        #expect(cycle.tick() == .none)
        #expect(cycle.state == .receiving)
    }

    @Test func messagesAreCommittedBeforeAnythingIsDeleted() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        #expect(cycle.received(count: 3, elapsed: .milliseconds(5), waitSeconds: 30) == .commit)
        #expect(cycle.state == .committing(messages: 3))
        #expect(cycle.committed() == .delete)
        #expect(cycle.deleted() == .schedule(after: .zero))
        #expect(cycle.state == .idle)
    }

    @Test func aFailedCommitNeverLeadsToADelete() {
        var cycle = cycleWithBatch()
        let action = cycle.commitFailed(.init(.storeUnavailable, "disk full"), jitter: 1)
        #expect(action == .schedule(after: .seconds(1)))
        #expect(cycle.deleted() == .none, "a delete report without a commit is ignored")
        #expect(cycle.tick() == .receive, "after the pause the poller receives again")
        #expect(cycle.lastFailure?.kind == .storeUnavailable)
    }

    @Test func deleteIsOnlyOfferedAfterCommitEvenIfEventsArriveOutOfOrder() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        #expect(cycle.committed() == .none)
        #expect(cycle.state == .receiving)
    }

    @Test func anEmptyLongPollReceivesAgainAtOnce() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        #expect(cycle.received(count: 0, elapsed: .seconds(30), waitSeconds: 30) == .schedule(after: .zero))
    }

    @Test func anInstantEmptyAnswerPausesInsteadOfSpinning() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        #expect(cycle.received(count: 0, elapsed: .milliseconds(3), waitSeconds: 30) == .schedule(after: .seconds(1)))
        #expect(cycle.state == .waiting)
    }

    @Test func transientFailuresBackOffExponentiallyUpToTheCap() {
        var cycle = ConsumeCycle(policy: RetryPolicy(maxBackoff: .seconds(4)))
        var delays: [Duration] = []
        for _ in 0..<6 {
            _ = cycle.tick()
            if case .schedule(let d) = cycle.receiveFailed(.init(.transient, "HTTP 503"), jitter: 1) { delays.append(d) }
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        #expect(cycle.consecutiveFailures == 6)
    }

    @Test func jitterScalesTheDelayBetweenHalfAndFull() {
        let policy = RetryPolicy()
        #expect(policy.delay(for: .transient, attempt: 3, jitter: 0) == .seconds(1))
        #expect(policy.delay(for: .transient, attempt: 3, jitter: 1) == .seconds(2))
    }

    @Test func configurationErrorsRetryAtTheSlowPaceAndNeverStopThePoller() {
        var cycle = ConsumeCycle(policy: RetryPolicy(configurationRetry: .seconds(300)))
        for _ in 0..<3 {
            #expect(cycle.tick() == .receive)
            #expect(cycle.receiveFailed(.init(.configuration, "QueueNotExist"), jitter: 0.3) == .schedule(after: .seconds(300)))
        }
        #expect(cycle.state == .waiting)
    }

    @Test func aSuccessfulReceiveResetsTheFailureCount() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        _ = cycle.receiveFailed(.init(.transient, "reset"), jitter: 0)
        _ = cycle.tick()
        _ = cycle.received(count: 1, elapsed: .milliseconds(1), waitSeconds: 30)
        #expect(cycle.consecutiveFailures == 0)
        _ = cycle.committed()
        _ = cycle.deleted()
        #expect(cycle.lastFailure == nil)
    }

    /// The poller's health mirrors these two values, so this is the rule STATUS= follows too.
    @Test func aSuccessfulReceiveClearsTheLastFailureUnlessTheStoreIsDown() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        _ = cycle.receiveFailed(.init(.transient, "reset"), jitter: 0)
        _ = cycle.tick()
        _ = cycle.received(count: 0, elapsed: .seconds(30), waitSeconds: 30)
        #expect(cycle.lastFailure == nil, "an empty answer proves the queue side works")
        #expect(cycle.consecutiveFailures == 0)

        _ = cycle.tick()
        _ = cycle.received(count: 2, elapsed: .milliseconds(1), waitSeconds: 30)
        _ = cycle.commitFailed(.init(.storeUnavailable, "disk full"), jitter: 0)
        _ = cycle.tick()
        _ = cycle.received(count: 0, elapsed: .seconds(30), waitSeconds: 30)
        #expect(cycle.lastFailure?.kind == .storeUnavailable, "only a commit ends a store outage")
        #expect(cycle.consecutiveFailures == 1)
        _ = cycle.tick()
        _ = cycle.received(count: 1, elapsed: .milliseconds(1), waitSeconds: 30)
        _ = cycle.committed()
        #expect(cycle.lastFailure == nil)
        #expect(cycle.consecutiveFailures == 0)
    }

    @Test func emptyReceivesDoNotEndAStoreOutageSoItsBackoffKeepsGrowing() {
        var cycle = ConsumeCycle(policy: RetryPolicy(maxBackoff: .seconds(60)))
        var delays: [Duration] = []
        for _ in 0..<3 {
            _ = cycle.tick()
            _ = cycle.received(count: 2, elapsed: .milliseconds(1), waitSeconds: 30)
            if case .schedule(let d) = cycle.commitFailed(.init(.storeUnavailable, "disk full"), jitter: 1) { delays.append(d) }
            // The refused messages are invisible for a while: the next receive is empty.
            _ = cycle.tick()
            _ = cycle.received(count: 0, elapsed: .seconds(30), waitSeconds: 30)
        }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4)])
        #expect(cycle.lastFailure?.kind == .storeUnavailable)
        _ = cycle.tick()
        _ = cycle.received(count: 1, elapsed: .milliseconds(1), waitSeconds: 30)
        #expect(cycle.committed() == .delete)
        #expect(cycle.consecutiveFailures == 0, "a commit ends the outage")
    }

    @Test func stopWhileIdleFinishesAtOnce() {
        var cycle = ConsumeCycle()
        #expect(cycle.stop() == .finish)
        #expect(cycle.tick() == .finish)
    }

    @Test func stopDuringACommitFinishesTheBatchFirst() {
        var cycle = cycleWithBatch()
        #expect(cycle.stop() == .none)
        #expect(cycle.committed() == .delete, "the committed batch is still deleted")
        #expect(cycle.deleted() == .finish)
        #expect(cycle.state == .finished)
    }

    @Test func stopDuringAReceiveStillCommitsWhatArrives() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        _ = cycle.stop()
        #expect(cycle.received(count: 2, elapsed: .milliseconds(1), waitSeconds: 30) == .commit)
        #expect(cycle.committed() == .delete)
        #expect(cycle.deleted() == .finish)
    }

    @Test func stopDuringAReceiveThatReturnsNothingFinishes() {
        var cycle = ConsumeCycle()
        _ = cycle.tick()
        _ = cycle.stop()
        #expect(cycle.received(count: 0, elapsed: .seconds(1), waitSeconds: 30) == .finish)
    }

    @Test func aFailureWhileStoppingFinishesWithoutRetrying() {
        var cycle = cycleWithBatch()
        _ = cycle.stop()
        #expect(cycle.commitFailed(.init(.storeUnavailable, "read-only"), jitter: 0) == .finish)
    }
}

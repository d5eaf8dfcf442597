@testable import AlicomEmulator
import Testing

@Suite("MessageQueue: visibility and receipt handles as a pure value")
struct MessageQueueTests {
    private func queue(with bodies: [String], now: EpochMillis = 1_000) -> MessageQueue {
        var queue = MessageQueue(name: "q", idPrefix: "TEST-2")
        for body in bodies { queue.enqueue(body: body, now: now) }
        return queue
    }

    @Test func receivesInEnqueueOrderUpToTheBatchSize() {
        var queue = queue(with: ["a", "b", "c"])
        let taken = queue.receive(max: 2, visibilityMillis: 30_000, now: 1_000)
        #expect(taken.map(\.body) == ["a", "b"])
        #expect((queue.visibleCount, queue.inFlightCount) == (1, 2))
    }

    @Test func everyReceiveIssuesANewHandleAndCountsTheDequeue() {
        var queue = queue(with: ["a"])
        let first = queue.receive(max: 1, visibilityMillis: 1_000, now: 1_000)
        let second = queue.receive(max: 1, visibilityMillis: 1_000, now: 2_000)
        #expect(first.first?.dequeueCount == 1)
        #expect(second.first?.dequeueCount == 2)
        #expect(second.first?.firstDequeueTime == 1_000)
        #expect(first.first?.receiptHandle != second.first?.receiptHandle)
        #expect(first.first?.id == second.first?.id)
    }

    @Test func handleIsStaleOnceVisibilityRunsOut() throws {
        var queue = queue(with: ["a"])
        let handle = try #require(queue.receive(max: 1, visibilityMillis: 1_000, now: 1_000).first?.receiptHandle)
        guard case .stale = queue.delete(handle: handle, now: 2_000) else {
            Issue.record("an expired handle must not delete")
            return
        }
        queue.promoteDue(now: 2_000)
        #expect(queue.visibleCount == 1)
    }

    @Test func changingVisibilityKillsTheOldHandle() throws {
        var queue = queue(with: ["a"])
        let old = try #require(queue.receive(max: 1, visibilityMillis: 1_000, now: 1_000).first?.receiptHandle)
        guard case .done(let changed) = queue.changeVisibility(handle: old, timeoutMillis: 60_000, now: 1_100),
              let new = changed.receiptHandle else {
            Issue.record("visibility change failed")
            return
        }
        #expect(changed.nextVisibleTime == 61_100)
        guard case .stale = queue.delete(handle: old, now: 1_200) else {
            Issue.record("the old handle must be dead")
            return
        }
        guard case .done = queue.delete(handle: new, now: 1_300) else {
            Issue.record("the new handle must delete")
            return
        }
        #expect(queue.messages.isEmpty)
    }

    @Test func foreignHandlesAreMalformed() {
        var queue = queue(with: ["a"])
        guard case .malformed = queue.delete(handle: "8-0zxjHBaWtzPz8zphz0z6OGz5yWWidU1fJM", now: 1_000) else {
            Issue.record("a handle this queue never issued is a ReceiptHandleError")
            return
        }
    }

    @Test func handlesAlwaysCarryPlusSlashAndPadding() throws {
        var queue = queue(with: ["a"])
        let handle = try #require(queue.receive(max: 1, visibilityMillis: 1_000, now: 1_000).first?.receiptHandle)
        #expect(handle.contains("+") && handle.contains("/") && handle.hasSuffix("=="))
    }

    @Test func delayedMessagesBecomeVisibleOnTime() {
        var queue = MessageQueue(name: "q", idPrefix: "TEST-2")
        queue.enqueue(body: "later", delayMillis: 5_000, now: 1_000)
        #expect(queue.receive(max: 16, visibilityMillis: 1_000, now: 5_999).isEmpty)
        #expect(queue.receive(max: 16, visibilityMillis: 1_000, now: 6_000).map(\.body) == ["later"])
    }

    @Test func bodyMD5IsUpperHexOfTheStoredText() {
        let queue = queue(with: ["SSBhbSDmtYvor5XlrZfnrKbkuLIu"])
        #expect(queue.messages.values.first?.bodyMD5 == "A9B134C465C384F49EB89A6E3870D996")
    }

    /// 200,000 messages received in batches of 16, half redelivered after their visibility ran
    /// out, then all deleted. Heap work must stay near n·log₂n; a linear scan per receive would
    /// cost about n²/32 ≈ 1.25·10⁹ steps.
    @Test func twoHundredThousandMessagesCostNLogNWork() {
        let count = 200_000
        var queue = MessageQueue(name: "q", idPrefix: "TEST-2")
        for index in 0..<count { queue.enqueue(body: "m\(index)", now: 0) }
        var handles: [String] = []
        var now: EpochMillis = 1
        while case let batch = queue.receive(max: 16, visibilityMillis: 1_000, now: now), !batch.isEmpty {
            handles += batch.enumerated().filter { $0.offset % 2 == 0 }.compactMap { $0.element.receiptHandle }
        }
        #expect(handles.count == count / 2)
        for handle in handles { _ = queue.delete(handle: handle, now: now) }
        now += 1_000
        var redelivered = 0
        while case let batch = queue.receive(max: 16, visibilityMillis: 1_000, now: now), !batch.isEmpty {
            redelivered += batch.count
            for message in batch { _ = queue.delete(handle: message.receiptHandle ?? "", now: now) }
        }
        #expect(redelivered == count / 2)
        #expect(queue.messages.isEmpty)
        let nLogN = Double(count) * 18
        #expect(Double(queue.workDone) < 4 * nLogN, "work \(queue.workDone) is not O(n log n)")
    }
}

import Synchronization
import SMSLedgerCore
import Foundation

/// Messages handed to a long-poll, or why there are none.
enum ReceiveOutcome: Sendable {
    case messages([MessageQueue.Message])
    case empty
    case queueNotFound
}

/// How many messages a queue holds, by state.
public struct QueueDepth: Sendable, Codable, Hashable {
    public var name: String
    /// Ready to be received.
    public var visible: Int
    /// Received and not yet deleted; visible again when their visibility timeout runs out.
    public var inFlight: Int
    /// Enqueued with a delay (pending SMS receipts wait here).
    public var delayed: Int

    public var total: Int { visible + inFlight + delayed }
}

/// All queues of the emulator plus the long-poll waiters, behind one lock.
///
/// A receive that finds nothing parks a continuation. Whoever makes a message visible (an enqueue,
/// a visibility change) serves parked waiters at once, in arrival order. A waiter also owns a timer
/// task that sleeps until its deadline or until the next in-flight or delayed message falls due,
/// whichever is first; it is cancelled as soon as the waiter is served. Continuations are resumed
/// outside the lock, and only by whoever removed the waiter from the table, so each exactly once.
final class QueueBroker: Sendable {
    private struct Waiter {
        let id: UInt64
        let max: Int
        let visibilityMillis: EpochMillis
        let deadline: EpochMillis
        let continuation: CheckedContinuation<ReceiveOutcome, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var queues: [String: MessageQueue] = [:]
        var waiters: [String: [Waiter]] = [:]
        var nextWaiterID: UInt64 = 1
    }

    /// A continuation to resume after the lock is released.
    private typealias Wakeup = (continuation: CheckedContinuation<ReceiveOutcome, Never>, outcome: ReceiveOutcome,
                                timer: Task<Void, Never>?)

    private let state = Mutex(State())
    private let clock: @Sendable () -> EpochMillis

    init(clock: @escaping @Sendable () -> EpochMillis = { Date().epochMillis }) {
        self.clock = clock
    }

    func now() -> EpochMillis { clock() }

    func createQueue(_ name: String, idPrefix: String) {
        state.withLock { state in
            if state.queues[name] == nil { state.queues[name] = MessageQueue(name: name, idPrefix: idPrefix) }
        }
    }

    func exists(_ name: String) -> Bool {
        state.withLock { $0.queues[name] != nil }
    }

    /// Runs `body` on a queue (after promoting due messages), then serves any waiters the change
    /// made servable. `nil` when the queue does not exist.
    func mutate<Result: Sendable>(_ name: String, _ body: @Sendable (inout MessageQueue, EpochMillis) -> Result) -> Result? {
        let now = clock()
        let (result, wakeups): (Result?, [Wakeup]) = state.withLock { state in
            guard var queue = state.queues.removeValue(forKey: name) else { return (nil, []) }
            queue.promoteDue(now: now)
            let result = body(&queue, now)
            let wakeups = Self.serveWaiters(&state, queue: &queue, now: now)
            state.queues[name] = queue
            return (result, wakeups)
        }
        Self.resume(wakeups)
        return result
    }

    func depths() -> [QueueDepth] {
        let now = clock()
        return state.withLock { state in
            state.queues.keys.sorted().compactMap { name in
                guard var queue = state.queues.removeValue(forKey: name) else { return nil }
                queue.promoteDue(now: now)
                state.queues[name] = queue
                return QueueDepth(name: name, visible: queue.visibleCount, inFlight: queue.inFlightCount,
                                  delayed: queue.delayedCount)
            }
        }
    }

    /// Receives up to `max` messages, waiting up to `waitSeconds` for the first one to arrive.
    ///
    /// Cancelling the calling task (the server does when the client disconnects) withdraws a parked
    /// waiter and answers it "empty": otherwise the next messages would be handed to a client that is
    /// gone and stay invisible for their visibility timeout.
    func receive(queue name: String, max: Int, waitSeconds: Int, visibilityMillis: EpochMillis) async -> ReceiveOutcome {
        let deadline = clock() + EpochMillis(waitSeconds) * 1000
        let parked = Mutex<UInt64?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: ReceiveOutcome? = state.withLock { state in
                    guard var queue = state.queues.removeValue(forKey: name) else { return .queueNotFound }
                    let taken = queue.receive(max: max, visibilityMillis: visibilityMillis, now: clock())
                    state.queues[name] = queue
                    if !taken.isEmpty { return .messages(taken) }
                    if waitSeconds <= 0 || Task.isCancelled { return .empty }
                    let id = state.nextWaiterID
                    state.nextWaiterID += 1
                    var waiter = Waiter(id: id, max: max, visibilityMillis: visibilityMillis, deadline: deadline,
                                        continuation: continuation)
                    waiter.timer = Task { [self] in await runTimer(queue: name, waiter: id, deadline: deadline) }
                    state.waiters[name, default: []].append(waiter)
                    parked.withLock { $0 = id }
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            withdraw(queue: name, parked: parked)
        }
    }

    /// Answers the waiter in `parked` "empty" if it is still parked (whoever removes it resumes it).
    /// `parked` is read under the state lock, where it is also set: a cancellation either finds the
    /// waiter or comes before the registration, whose `Task.isCancelled` check then sees it.
    private func withdraw(queue name: String, parked: borrowing Mutex<UInt64?>) {
        let wakeup: Wakeup? = state.withLock { state in
            guard let id = parked.withLock({ $0 }),
                  let index = state.waiters[name]?.firstIndex(where: { $0.id == id }) else { return nil }
            let waiter = state.waiters[name, default: []].remove(at: index)
            return (waiter.continuation, .empty, waiter.timer)
        }
        if let wakeup { Self.resume([wakeup]) }
    }

    /// Sleeps until the waiter's deadline or the next due message, then tries to serve it.
    private func runTimer(queue name: String, waiter id: UInt64, deadline: EpochMillis) async {
        while !Task.isCancelled {
            let now = clock()
            let wakeAt = state.withLock { Swift.min(deadline, $0.queues[name]?.nextTimedEvent ?? deadline) }
            if wakeAt > now {
                try? await Task.sleep(for: .milliseconds(wakeAt - now))
                if Task.isCancelled { return }
            }
            let current = clock()
            let wakeup: Wakeup?? = state.withLock { state in
                guard let index = state.waiters[name]?.firstIndex(where: { $0.id == id }) else { return .some(nil) }
                guard var queue = state.queues.removeValue(forKey: name) else {
                    let waiter = state.waiters[name, default: []].remove(at: index)
                    return (waiter.continuation, .queueNotFound, nil)
                }
                defer { state.queues[name] = queue }
                let waiter = state.waiters[name, default: []][index]
                let taken = queue.receive(max: waiter.max, visibilityMillis: waiter.visibilityMillis, now: current)
                guard !taken.isEmpty || current >= deadline else { return nil }
                state.waiters[name, default: []].remove(at: index)
                return (waiter.continuation, taken.isEmpty ? .empty : .messages(taken), nil)
            }
            switch wakeup {
            case .some(.some(let wakeup)): Self.resume([wakeup]); return
            case .some(.none): return
            case .none: continue
            }
        }
    }

    private static func serveWaiters(_ state: inout State, queue: inout MessageQueue, now: EpochMillis) -> [Wakeup] {
        guard var waiting = state.waiters[queue.name], !waiting.isEmpty, queue.visibleCount > 0 else { return [] }
        var wakeups: [Wakeup] = []
        while !waiting.isEmpty && queue.visibleCount > 0 {
            let waiter = waiting.removeFirst()
            let taken = queue.receive(max: waiter.max, visibilityMillis: waiter.visibilityMillis, now: now)
            wakeups.append((waiter.continuation, .messages(taken), waiter.timer))
        }
        state.waiters[queue.name] = waiting
        return wakeups
    }

    private static func resume(_ wakeups: [Wakeup]) {
        for wakeup in wakeups {
            wakeup.timer?.cancel()
            wakeup.continuation.resume(returning: wakeup.outcome)
        }
    }

    /// Empties every queue (keeping the queues) and answers every parked long-poll with "empty".
    func removeAllMessages() {
        let wakeups: [Wakeup] = state.withLock { state in
            for name in Array(state.queues.keys) { state.queues[name]?.removeAll() }
            let all = state.waiters.values.flatMap { $0 }
            state.waiters.removeAll()
            return all.map { ($0.continuation, ReceiveOutcome.empty, $0.timer) }
        }
        Self.resume(wakeups)
    }

    /// Answers every parked long-poll with "empty" (used on shutdown).
    func releaseWaiters() {
        let wakeups: [Wakeup] = state.withLock { state in
            let all = state.waiters.values.flatMap { $0 }
            state.waiters.removeAll()
            return all.map { ($0.continuation, ReceiveOutcome.empty, $0.timer) }
        }
        Self.resume(wakeups)
    }
}

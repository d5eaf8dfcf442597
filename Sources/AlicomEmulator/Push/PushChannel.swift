import Synchronization
import AlibabaCloud
import Foundation
import SMSLedgerCore

/// The push channel's shared state: settings, one outbox and one set of counters per message type,
/// and the pushers that drain the outboxes.
///
/// Every transition happens under one lock and is a few lines over ``PushOutbox``; the pushers only
/// carry out what it hands them (a batch to POST) and report back (accepted or failed). A reset bumps
/// the `epoch`, so a POST that was in flight across it cannot touch the new outboxes or counters.
final class PushChannel: Sendable {
    /// Items taken for one POST, and what the POST needs to know.
    struct Batch: Sendable {
        let kind: MessageKind
        let url: String
        let items: [PushOutbox.Item]
        let timeoutMillis: Int
        let epoch: UInt64
    }

    private struct State {
        var settings: PushSettings
        var outboxes: [MessageKind: PushOutbox]
        var counters: [MessageKind: PushCounters] = [:]
        var epoch: UInt64 = 0
        /// Between ``start()`` and ``stop()``: pushers run only then.
        var running = false
        var pushers: [MessageKind: Task<Void, Never>] = [:]
        /// Pushers cancelled because their URL went away; ``stop()`` still waits for them, so none
        /// outlives the HTTP client it posts with.
        var retired: [Task<Void, Never>] = []
        var random: SeededGenerator
    }

    /// The settings the emulator started with; a reset returns to them.
    let initialSettings: PushSettings
    private let state: Mutex<State>
    /// Created with the first pusher, shut down by ``stop()``: an emulator that never pushes never
    /// opens an HTTP client.
    private let transport = Mutex<AsyncHTTPClientTransport?>(nil)

    init(settings: PushSettings, seed: UInt64) {
        initialSettings = settings
        let outboxes = Dictionary(uniqueKeysWithValues: MessageKind.allCases.map { ($0, PushOutbox(kind: $0)) })
        state = Mutex(State(settings: settings, outboxes: outboxes, random: SeededGenerator(seed: seed)))
    }

    private func currentMillis() -> EpochMillis { Date().epochMillis }

    // MARK: Settings and routing

    var settings: PushSettings { state.withLock { $0.settings } }

    /// Replaces the settings; pushers start or stop to match (the running ones read the new values on
    /// their next round).
    func apply(_ settings: PushSettings) {
        state.withLock { $0.settings = settings }
        reconcile()
    }

    /// Where a new receipt or reply of `kind` goes: the outbox while the type has a push URL, the MNS
    /// queue otherwise, or both when ``PushSettings/alsoQueue`` says so.
    func route(_ kind: MessageKind) -> (push: Bool, queue: Bool) {
        let settings = self.settings
        let pushes = settings.url(for: kind) != nil
        return (pushes, !pushes || settings.alsoQueue)
    }

    // MARK: Items

    /// Stores item texts, each due after its delay; returns their ids.
    @discardableResult
    func add(_ kind: MessageKind, _ items: [(text: String, delayMillis: EpochMillis)]) -> [String] {
        let now = currentMillis()
        return state.withLock { state in
            items.map { state.outboxes[kind, default: PushOutbox(kind: kind)].add($0.text, delayMillis: $0.delayMillis, now: now) }
        }
    }

    func counters(_ kind: MessageKind) -> PushCounters {
        state.withLock { state in
            var counters = state.counters[kind] ?? PushCounters()
            counters.pending = state.outboxes[kind]?.pending ?? 0
            return counters
        }
    }

    /// Empties the outboxes, zeroes the counters and returns to the initial settings.
    func reset() {
        state.withLock { state in
            for kind in MessageKind.allCases { state.outboxes[kind]?.removeAll() }
            state.counters = [:]
            state.epoch &+= 1
            state.settings = initialSettings
        }
        reconcile()
    }

    // MARK: What the pushers call

    /// Up to `batchSize` due items for a POST, or `nil` when none are due or the type has no URL.
    func takeBatch(_ kind: MessageKind) -> Batch? {
        let now = currentMillis()
        return state.withLock { state in
            let settings = state.settings
            guard let url = settings.url(for: kind) else { return nil }
            // The lease outlasts the POST's deadline, so an item cannot come due while still in flight.
            let lease = EpochMillis(settings.timeoutMillis) * 2 + 5_000
            guard let items = state.outboxes[kind]?.take(max: settings.batchSize, leaseMillis: lease, now: now),
                  !items.isEmpty else { return nil }
            state.counters[kind, default: PushCounters()].requests += 1
            return Batch(kind: kind, url: url, items: items, timeoutMillis: settings.timeoutMillis, epoch: state.epoch)
        }
    }

    /// Records the receiver's verdict on a batch.
    func settle(_ batch: Batch, accepted: Bool) {
        let now = currentMillis()
        state.withLock { state in
            guard state.epoch == batch.epoch, var outbox = state.outboxes.removeValue(forKey: batch.kind) else { return }
            let settings = state.settings
            var counters = state.counters[batch.kind] ?? PushCounters()
            if accepted {
                counters.acceptedRequests += 1
                let share = settings.duplicateShare
                let settlement = outbox.accept(batch.items, repeatDelayMillis: EpochMillis(settings.flushIntervalMillis),
                                               now: now) { _ in state.random.chance(share) }
                counters.itemsAccepted += settlement.accepted
            } else {
                counters.failedRequests += 1
                let settlement = outbox.fail(batch.items, retryDelayMillis: EpochMillis(settings.retryDelayMillis),
                                             maxAttempts: settings.maxAttempts, now: now)
                counters.itemsAbandoned += settlement.abandoned
            }
            state.outboxes[batch.kind] = outbox
            state.counters[batch.kind] = counters
        }
    }

    /// A batch whose POST was cut short by the pusher stopping: due again at once. It stays counted as a
    /// request but as neither accepted nor failed: the receiver's verdict never arrived.
    func release(_ batch: Batch) {
        let now = currentMillis()
        state.withLock { state in
            guard state.epoch == batch.epoch else { return }
            state.outboxes[batch.kind]?.release(batch.items, now: now)
        }
    }

    // MARK: Lifecycle

    /// Lets pushers run (the emulator has started).
    func start() {
        state.withLock { $0.running = true }
        reconcile()
    }

    /// Stops every pusher, waits for them, and closes the HTTP client.
    func stop() async {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.running = false
            defer { state.pushers = [:]; state.retired = [] }
            return Array(state.pushers.values) + state.retired
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        let client = transport.withLock { client -> AsyncHTTPClientTransport? in
            defer { client = nil }
            return client
        }
        try? await client?.shutdown()
    }

    /// Starts a pusher for each type that has a URL and none, and cancels those whose URL is gone.
    private func reconcile() {
        func wanted(_ kind: MessageKind, _ state: State) -> Bool {
            state.running && state.settings.url(for: kind) != nil
        }
        let needsClient = state.withLock { state in
            MessageKind.allCases.contains { wanted($0, state) && state.pushers[$0] == nil }
        }
        let client = needsClient ? httpClient() : nil
        state.withLock { state in
            for kind in MessageKind.allCases {
                if wanted(kind, state) {
                    guard state.pushers[kind] == nil, let client else { continue }
                    let pusher = Pusher(kind: kind, channel: self, transport: client)
                    state.pushers[kind] = Task { await pusher.run() }
                } else if let task = state.pushers.removeValue(forKey: kind) {
                    task.cancel()
                    state.retired.append(task)
                }
            }
        }
    }

    private func httpClient() -> AsyncHTTPClientTransport {
        transport.withLock { client in
            if let client { return client }
            let created = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .seconds(3)))
            client = created
            return created
        }
    }
}

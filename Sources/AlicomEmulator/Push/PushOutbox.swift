import SMSLedgerCore

/// The items of one message type waiting to be pushed, as a pure value: every method takes `now`,
/// so the retry and abandon rules are tested without clocks or sockets.
///
/// It is a ``MessageQueue`` underneath, because a push outbox needs exactly what a queue already
/// does: a delay (a receipt is due at its report time), a lease that runs out (an item in a failed
/// or unanswered POST comes back after the retry delay) and a dequeue count (the attempts so far).
/// It is kept apart from the ``QueueBroker`` on purpose: the outboxes are not MNS queues, so they can
/// neither be reached over MNS nor show up in `GET /_emulator/queues`.
struct PushOutbox {
    /// One item taken for a POST.
    struct Item: Sendable {
        /// The handle of the lease; settles the item after the POST.
        let handle: String
        /// The item's JSON text, pushed verbatim.
        let text: String
        /// Pushes so far, this one included.
        let attempt: Int
        /// A repeat of an item already accepted; it is never repeated again.
        let isDuplicate: Bool
    }

    /// What became of a settled batch, for the counters.
    struct Settlement: Equatable {
        var accepted = 0
        var abandoned = 0
    }

    private var queue: MessageQueue
    /// Keys of messages that are repeats of accepted items (``PushSettings/duplicateShare``).
    private var duplicates: Set<String> = []

    init(kind: MessageKind) {
        queue = MessageQueue(name: "push-\(kind.rawValue)", idPrefix: "push-\(kind.rawValue)")
    }

    /// Items waiting, due or not, plus items in flight.
    var pending: Int { queue.visibleCount + queue.inFlightCount + queue.delayedCount }

    /// Due items only (what the next POST could carry).
    mutating func dueCount(now: EpochMillis) -> Int {
        queue.promoteDue(now: now)
        return queue.visibleCount
    }

    /// Stores one item, due after `delayMillis`; returns its id.
    @discardableResult
    mutating func add(_ text: String, delayMillis: EpochMillis = 0, now: EpochMillis) -> String {
        queue.enqueue(body: text, delayMillis: delayMillis, now: now).id
    }

    /// The POST was abandoned unsent or unanswered because the pusher stopped (URL cleared, shutdown):
    /// the items are due again at once. Their attempt still counts, as it would on the platform.
    mutating func release(_ items: [Item], now: EpochMillis) {
        for item in items { _ = queue.changeVisibility(handle: item.handle, timeoutMillis: 0, now: now) }
    }

    /// Takes up to `max` due items, oldest first. The lease (`leaseMillis`) must outlast the POST's
    /// timeout, so an item cannot come due again while its POST is still in flight; ``fail`` shortens
    /// it to the retry delay.
    mutating func take(max: Int, leaseMillis: EpochMillis, now: EpochMillis) -> [Item] {
        queue.receive(max: max, visibilityMillis: leaseMillis, now: now).compactMap { message in
            guard let handle = message.receiptHandle else { return nil }
            return Item(handle: handle, text: message.body, attempt: message.dequeueCount,
                        isDuplicate: duplicates.contains(message.id))
        }
    }

    /// The receiver accepted the batch: the items are done. Those for which `repeatItem` answers true
    /// come back once, due after `repeatDelayMillis`, as Alibaba's pushes are not idempotent.
    mutating func accept(_ items: [Item], repeatDelayMillis: EpochMillis, now: EpochMillis,
                         repeatItem: (Item) -> Bool) -> Settlement {
        var settlement = Settlement()
        for item in items {
            guard case .done(let message) = queue.delete(handle: item.handle, now: now) else { continue }
            duplicates.remove(message.id)
            settlement.accepted += 1
            if !item.isDuplicate && repeatItem(item) {
                let copy = queue.enqueue(body: item.text, delayMillis: repeatDelayMillis, now: now)
                duplicates.insert(copy.id)
            }
        }
        return settlement
    }

    /// The POST failed: each item comes back after `retryDelayMillis`, unless it has now failed
    /// `maxAttempts` times, when it is dropped (abandoned).
    mutating func fail(_ items: [Item], retryDelayMillis: EpochMillis, maxAttempts: Int, now: EpochMillis) -> Settlement {
        var settlement = Settlement()
        for item in items {
            if item.attempt >= maxAttempts {
                if case .done(let message) = queue.delete(handle: item.handle, now: now) {
                    duplicates.remove(message.id)
                    settlement.abandoned += 1
                }
            } else {
                // At least 1 ms, so a retry is due strictly after the failure it follows.
                _ = queue.changeVisibility(handle: item.handle, timeoutMillis: max(1, retryDelayMillis), now: now)
            }
        }
        return settlement
    }

    mutating func removeAll() {
        queue.removeAll()
        duplicates.removeAll()
    }
}

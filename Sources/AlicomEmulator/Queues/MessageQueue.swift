
/// One MNS queue as a pure value: messages, their visibility, and receipt-handle checks.
///
/// Visible messages wait in a FIFO ring; received (in flight) and delayed messages sit in a
/// min-heap keyed by the time they become visible. Every operation is O(log n) amortised, with no
/// scan over the queue, so a queue preloaded with 200,000 messages stays fast. Heap entries are
/// invalidated lazily: an entry whose generation no longer matches its message (deleted, received
/// again, visibility changed) is skipped when it surfaces.
///
/// Every method takes `now`, so the semantics are tested without clocks or sockets.
struct MessageQueue {
    enum Placement: Sendable { case visible, inFlight, delayed }

    struct Message: Sendable {
        let key: UInt64
        let id: String
        let body: String
        let bodyMD5: String
        let enqueueTime: EpochMillis
        let priority: Int
        var firstDequeueTime: EpochMillis?
        var dequeueCount = 0
        var nextVisibleTime: EpochMillis
        var generation: UInt32 = 0
        var placement: Placement
        var receiptHandle: String?
        /// Set once a duplicate-delivery fault has brought this message back, so it comes back once only.
        var redelivered = false
    }

    enum HandleOutcome {
        case done(Message)
        /// Well-formed but not current: deleted, received again, changed, or visibility ran out.
        case stale
        /// Not a handle this queue issued.
        case malformed
    }

    private struct TimedEntry: Comparable {
        let time: EpochMillis
        let key: UInt64
        let generation: UInt32
        static func < (lhs: TimedEntry, rhs: TimedEntry) -> Bool {
            (lhs.time, lhs.key) < (rhs.time, rhs.key)
        }
    }

    let name: String
    private let idPrefix: String
    private(set) var messages: [UInt64: Message] = [:]
    private var visible = RingBuffer<UInt64>()
    private var timed = MinHeap<TimedEntry>()
    private var nextKey: UInt64 = 1
    private var salt: UInt8 = 0
    private(set) var inFlightCount = 0
    private(set) var delayedCount = 0
    /// Promotions and skipped entries, for complexity tests.
    private(set) var promotionSteps = 0

    init(name: String, idPrefix: String) {
        self.name = name
        self.idPrefix = idPrefix
    }

    var visibleCount: Int { visible.count }
    /// Heap work plus promotions: grows like n log n for n operations, never n².
    var workDone: Int { timed.siftSteps + promotionSteps }
    /// When the next delayed or in-flight message may become visible (possibly a stale entry).
    var nextTimedEvent: EpochMillis? { timed.min?.time }

    @discardableResult
    mutating func enqueue(body: String, delayMillis: EpochMillis = 0, priority: Int = 8,
                          now: EpochMillis) -> Message {
        let key = nextKey
        nextKey += 1
        let delayed = delayMillis > 0
        let message = Message(
            key: key, id: "\(idPrefix)-\(String(now, radix: 16, uppercase: true))-\(key + 100_000_000)",
            body: body, bodyMD5: BodyDigest.upperHexMD5(body), enqueueTime: now, priority: priority,
            nextVisibleTime: now + max(0, delayMillis), placement: delayed ? .delayed : .visible)
        messages[key] = message
        if delayed {
            delayedCount += 1
            timed.insert(TimedEntry(time: message.nextVisibleTime, key: key, generation: 0))
        } else {
            visible.append(key)
        }
        return message
    }

    /// Moves every delayed or in-flight message whose time has come to the visible FIFO.
    mutating func promoteDue(now: EpochMillis) {
        while let entry = timed.min, entry.time <= now {
            _ = timed.popMin()
            promotionSteps += 1
            guard var message = messages[entry.key], message.generation == entry.generation,
                  message.placement != .visible, message.nextVisibleTime <= now else { continue }
            if message.placement == .inFlight { inFlightCount -= 1 } else { delayedCount -= 1 }
            message.placement = .visible
            message.receiptHandle = nil
            messages[entry.key] = message
            visible.append(entry.key)
        }
    }

    /// Takes up to `max` visible messages, giving each a new handle valid for `visibilityMillis`.
    mutating func receive(max: Int, visibilityMillis: EpochMillis, now: EpochMillis) -> [Message] {
        promoteDue(now: now)
        var taken: [Message] = []
        while taken.count < max, let key = visible.popFirst() {
            guard var message = messages[key], message.placement == .visible else { continue }
            message.dequeueCount += 1
            message.firstDequeueTime = message.firstDequeueTime ?? now
            message.placement = .inFlight
            inFlightCount += 1
            reschedule(&message, visibleAt: now + visibilityMillis)
            taken.append(message)
        }
        return taken
    }

    mutating func delete(handle: String, now: EpochMillis) -> HandleOutcome {
        switch current(handle, now: now) {
        case .done(let message):
            messages[message.key] = nil
            inFlightCount -= 1
            return .done(message)
        case let other:
            return other
        }
    }

    /// Gives the message a new handle and visibility time; the old handle dies.
    mutating func changeVisibility(handle: String, timeoutMillis: EpochMillis, now: EpochMillis) -> HandleOutcome {
        guard case .done(var message) = current(handle, now: now) else { return current(handle, now: now) }
        reschedule(&message, visibleAt: now + timeoutMillis)
        return .done(message)
    }

    /// Puts a deleted message back as visible, same id and counters (duplicate-delivery fault).
    mutating func redeliver(_ deleted: Message) {
        var message = deleted
        message.placement = .visible
        message.receiptHandle = nil
        message.redelivered = true
        message.generation &+= 1
        messages[message.key] = message
        visible.append(message.key)
    }

    mutating func removeAll() {
        messages.removeAll()
        visible.removeAll()
        timed.removeAll()
        inFlightCount = 0
        delayedCount = 0
    }

    private func current(_ handle: String, now: EpochMillis) -> HandleOutcome {
        guard let decoded = ReceiptHandleCodec.decode(handle) else { return .malformed }
        guard let message = messages[decoded.key], message.placement == .inFlight,
              message.generation == decoded.generation, now < message.nextVisibleTime else { return .stale }
        return .done(message)
    }

    private mutating func reschedule(_ message: inout Message, visibleAt: EpochMillis) {
        message.generation &+= 1
        message.nextVisibleTime = visibleAt
        salt &+= 1
        message.receiptHandle = ReceiptHandleCodec.encode(
            key: message.key, generation: message.generation, dequeueCount: message.dequeueCount, salt: salt)
        messages[message.key] = message
        timed.insert(TimedEntry(time: visibleAt, key: message.key, generation: message.generation))
    }
}

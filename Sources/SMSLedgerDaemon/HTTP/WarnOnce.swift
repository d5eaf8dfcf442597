import Synchronization

/// Which conditions an endpoint has already logged (an unknown status code, a refused peer), so a
/// flood of one condition is one journal line. Bounded: past `limit` distinct keys nothing new is
/// remembered or logged, so keys taken from untrusted input cannot grow it without end.
final class WarnOnce: Sendable {
    private let seen = Mutex<Set<String>>([])
    private let limit: Int

    init(limit: Int = 1000) {
        self.limit = limit
    }

    /// `true` the first time `key` is seen (while under the limit), then `false`.
    func first(_ key: String) -> Bool {
        seen.withLock { $0.count < limit && $0.insert(key).inserted }
    }
}

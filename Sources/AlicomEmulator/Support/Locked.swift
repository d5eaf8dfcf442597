import Foundation

/// A value guarded by a lock.
///
/// `@unchecked Sendable` is sound because every access to `value` goes through `withLock`, which
/// holds the `NSLock` for the whole closure. Used instead of an actor where callers (tests, the
/// admin API) want synchronous reads and where long-poll waiters are resumed outside the lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

import Foundation

/// A thread-safe integer for tests that count callbacks from other tasks.
final class Counter: @unchecked Sendable {  // every access to `count` holds `lock`
    private let lock = NSLock()
    private var count = 0

    func add(_ amount: Int) {
        lock.lock(); defer { lock.unlock() }
        count += amount
    }

    var value: Int {
        lock.lock(); defer { lock.unlock() }
        return count
    }
}

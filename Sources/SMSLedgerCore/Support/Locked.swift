import Foundation

/// A value behind a lock, for the few pieces of state that several threads share (the log level a
/// SIGHUP changes, the watchdog heartbeats, the emulator's queues). `Value` need not be `Sendable`:
/// it is only ever touched inside `withLock` (the emulator keeps continuations in it).
///
/// `@unchecked Sendable` because the compiler cannot see that every access to `value` goes through
/// `lock`; this type exists so that this promise is made in exactly one small place. (`Mutex` from
/// Synchronization would do, but needs macOS 15 and the package still declares macOS 14.)
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access; keep it short and free of I/O.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

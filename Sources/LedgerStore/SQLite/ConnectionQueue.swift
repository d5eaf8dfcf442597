import Dispatch

/// One ``SQLiteConnection`` confined to its own serial dispatch queue.
///
/// SQLite calls block: a commit with `synchronous=FULL` waits for fsync, which can take milliseconds
/// on a busy disk. Running them on Swift's cooperative pool would starve every other task of a
/// thread, so each call hops to this queue and the caller awaits a continuation instead.
///
/// `@unchecked Sendable` is sound here because the serial queue is the lock: `connection` is read and
/// written only inside blocks submitted to `queue` (or in `init`, before the value is shared).
final class ConnectionQueue: @unchecked Sendable {
    private let queue: DispatchQueue
    private var connection: SQLiteConnection?

    init(label: String, connection: SQLiteConnection) {
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
        self.connection = connection
    }

    /// Runs `body` on the queue with the connection and resumes the caller with its result.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard let connection = self.connection else {
                    continuation.resume(throwing: StoreError.closed)
                    return
                }
                continuation.resume(with: Result { try body(connection) })
            }
        }
    }

    /// Runs `body` on the queue without waiting for it, handing it the connection, or `nil` once the
    /// queue is closed. For callers that resume their own continuations (group commit).
    func submit(_ body: @escaping @Sendable (SQLiteConnection?) -> Void) {
        queue.async { body(self.connection) }
    }

    /// Closes the connection after every block submitted before this call has finished.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection?.close()
                self.connection = nil
                continuation.resume()
            }
        }
    }
}

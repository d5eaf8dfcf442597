import Synchronization

/// Runs an operation against the server with an upper bound on how long the caller waits for it.
///
/// Why not a task group: a group waits for its children even after cancelling them, and a statement
/// in flight when the server shuts down (`pg_ctl restart`, a failover) can stay unanswered inside
/// PostgresNIO without ever failing. A poller waiting on such a commit would hold its messages, the
/// watchdog would see a wedged daemon, and SIGTERM would never finish. Here the operation runs in a
/// task of its own; at the deadline the caller gets ``Deadline/Expired`` and goes on, and the task
/// is cancelled and left to end whenever it can.
///
/// The operation does not inherit the caller's cancellation either: a commit that has started is
/// finished (or fails, or expires) rather than abandoned half way when the daemon begins to stop,
/// which is what "finish the batches in flight" on SIGTERM means. Giving up at the deadline loses
/// nothing: a commit that did not answer leaves the queue messages undeleted, and one that went
/// through after all is a duplicate when they come back, which changes nothing.
enum Deadline {
    struct Expired: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "no answer from the server within \(limit.formatted())" }
    }

    static func run<T: Sendable>(_ limit: Duration,
                                 _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let waiter = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let finish: @Sendable (Result<T, any Error>) -> Void = { result in
            waiter.withLock { pending in
                pending?.resume(with: result)
                pending = nil
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiter.withLock { $0 = continuation }
            // The timer is cancelled when the operation ends first, so a busy store does not keep a
            // sleeping task per commit; one that ends before the timer is stored only wakes it late.
            let timer = Mutex<Task<Void, Never>?>(nil)
            let work = Task {
                let result = await Result(catching: operation)
                timer.withLock { $0?.cancel() }
                finish(result)
            }
            timer.withLock {
                $0 = Task {
                    do { try await Task.sleep(for: limit) } catch { return }
                    finish(.failure(Expired(limit: limit)))
                    work.cancel()
                }
            }
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

private extension Duration {
    func formatted() -> String {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

@testable import LedgerPostgres
import LedgerStore
import Synchronization
import Testing

/// The bound on a store operation, without a server: an operation that never answers (a statement
/// in flight when the server went away) must not hold its caller, and one the caller stops waiting
/// for because the daemon is stopping must still run to its end.
@Suite("PostgreSQL operation deadline")
struct DeadlineTests {
    @Test func anOperationThatAnswersInTimeGivesItsValueAndItsError() async throws {
        #expect(try await Deadline.run(.seconds(5)) { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await Deadline.run(.seconds(5)) { () async throws -> Int in throw Refused() }
        }
    }

    @Test func anOperationThatNeverAnswersExpiresAndIsCancelled() async throws {
        let cancelled = Mutex(false)
        let started = ContinuousClock.now
        await #expect(throws: Deadline.Expired.self) {
            try await Deadline.run(.milliseconds(200)) { () async throws -> Int in
                // Like a query on a connection the server dropped: it ignores cancellation.
                await withTaskCancellationHandler {
                    await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
                    return 0
                } onCancel: {
                    cancelled.withLock { $0 = true }
                }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(cancelled.withLock { $0 })
    }

    @Test func anExpiredOperationIsAnUnavailableStoreErrorTheDaemonRetries() {
        let error = PostgresStoreError.wrap(Deadline.Expired(limit: .seconds(30)), during: "commit")
        #expect(error.kind == .unavailable)
        #expect(error.description.contains("commit: no answer from the server within 30 s"))
    }

    @Test func theCallersCancellationDoesNotAbandonAnOperationHalfWay() async throws {
        let finished = Mutex(false)
        let caller = Task {
            try await Deadline.run(.seconds(30)) { () async throws -> Int in
                try await Task.sleep(for: .milliseconds(300))
                finished.withLock { $0 = true }
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        #expect(try await caller.value == 1)
        #expect(finished.withLock { $0 })
    }
}

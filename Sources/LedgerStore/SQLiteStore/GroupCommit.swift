import Foundation

/// Group commit: batches that arrive while the writer is busy are written together in one
/// transaction, so several pollers share one fsync instead of queueing for one each.
///
/// With `synchronous=FULL` a commit costs an fsync (milliseconds on most disks); one transaction per
/// batch would cap the ledger at a few hundred batches per second however many pollers run. Each
/// caller still gets its own ``CommitSummary`` and returns only after the shared commit is durable.
/// If the shared transaction fails, its batches are retried one transaction each, so one bad batch
/// fails only its own caller.
///
/// `@unchecked Sendable`: the only mutable state, `waiting` and `drainScheduled`, is guarded by `lock`.
final class GroupCommit: @unchecked Sendable {
    private typealias Waiter = (batch: LedgerBatch, continuation: CheckedContinuation<CommitSummary, any Error>)

    /// Upper bound on batches per shared transaction, to keep one transaction (and its WAL growth)
    /// bounded when a burst arrives.
    static let maxBatchesPerTransaction = 64

    private let writer: ConnectionQueue
    private let observer: (any CommitObserver)?
    /// Whether batches also append webhook events (endpoints are configured).
    private let emitsEvents: Bool
    private let lock = NSLock()
    private var waiting: [Waiter] = []
    private var drainScheduled = false

    init(writer: ConnectionQueue, observer: (any CommitObserver)? = nil, emitsEvents: Bool = false) {
        self.writer = writer
        self.observer = observer
        self.emitsEvents = emitsEvents
    }

    private func writer(_ connection: SQLiteConnection) -> BatchWriter {
        BatchWriter(connection: connection, outbox: emitsEvents ? OutboxWriter(connection: connection) : nil)
    }

    func commit(_ batch: LedgerBatch) async throws -> CommitSummary {
        try await withCheckedThrowingContinuation { continuation in
            let mustSchedule = lock.withLock {
                waiting.append((batch, continuation))
                defer { drainScheduled = true }
                return !drainScheduled
            }
            if mustSchedule { scheduleDrain() }
        }
    }

    private func scheduleDrain() {
        writer.submit { connection in self.drain(connection) }
    }

    /// Runs on the writer's queue: takes what is waiting and writes it.
    private func drain(_ connection: SQLiteConnection?) {
        let (group, more): ([Waiter], Bool) = lock.withLock {
            let taken = Array(waiting.prefix(Self.maxBatchesPerTransaction))
            waiting.removeFirst(taken.count)
            // Still scheduled while work remains; otherwise the next arrival schedules a new drain.
            drainScheduled = !waiting.isEmpty
            return (taken, drainScheduled)
        }
        if more { scheduleDrain() }
        guard !group.isEmpty else { return }
        guard let connection else {
            for waiter in group { waiter.continuation.resume(throwing: StoreError.closed) }
            return
        }
        write(group, on: connection)
    }

    private func write(_ group: [Waiter], on connection: SQLiteConnection) {
        let started = ContinuousClock.now
        do {
            let summaries = try connection.transaction {
                try group.map { try writer(connection).write($0.batch) }
            }
            observer?.committed(batches: group.count, duration: .now - started)
            for (waiter, summary) in zip(group, summaries) { waiter.continuation.resume(returning: summary) }
        } catch {
            guard group.count > 1 else {
                observer?.commitFailed(batches: 1)
                group.first?.continuation.resume(throwing: error)
                return
            }
            for waiter in group {
                let started = ContinuousClock.now
                let result = Result {
                    try connection.transaction { try writer(connection).write(waiter.batch) }
                }
                if case .success = result { observer?.committed(batches: 1, duration: .now - started) }
                else { observer?.commitFailed(batches: 1) }
                waiter.continuation.resume(with: result)
            }
        }
    }
}

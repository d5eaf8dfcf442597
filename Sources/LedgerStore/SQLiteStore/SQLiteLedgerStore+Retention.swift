import Foundation

extension SQLiteLedgerStore: LedgerRetention {
    /// One transaction on the writer's queue, between two group commits: a waiting commit runs right
    /// after it, so the batch size bounds how long a commit can be held up (Benchmarks/README.md,
    /// "Retention", has the measured times).
    public func pruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws -> PruneSummary {
        guard policy.prunes, limit > 0 else { return PruneSummary() }
        let cutoffs = policy.cutoffs(now: now)
        return try await writer.run { connection in
            try connection.transaction { try LedgerPruner(connection: connection).pruneBatch(cutoffs, limit: limit) }
        }
    }

    /// On the read connection: the pages come into the OS page cache, where the writer's batch finds
    /// them (Benchmarks/README.md, "Retention": cold batches held the lock 35-60 ms, warm 12 ms).
    public func warmPruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws {
        guard policy.prunes, limit > 0 else { return }
        let cutoffs = policy.cutoffs(now: now)
        try await reader.run { try LedgerPruner(connection: $0).warm(cutoffs, limit: limit) }
    }

    /// On the read connection, so a dry run never takes the write lock.
    public func pruneCandidates(_ policy: RetentionPolicy, now: Date) async throws -> PruneSummary {
        guard policy.prunes else { return PruneSummary() }
        let cutoffs = policy.cutoffs(now: now)
        return try await reader.run { try LedgerPruner(connection: $0).candidates(cutoffs) }
    }
}

import Foundation

extension SQLiteLedgerStore: LedgerRetention {
    /// One transaction on the writer's queue, between two group commits: a waiting commit runs right
    /// after it, so the batch size bounds how long a commit can be held up (Benchmarks/README.md,
    /// "Retention", has the measured times).
    public func pruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws -> PruneSummary {
        guard policy.prunes, limit > 0 else { return PruneSummary() }
        let cutoffs = policy.cutoffs(now: now)
        let configured = durability.synchronous
        let checkpointer = checkpointer
        return try await writer.run { connection in
            let batch = {
                try Self.withoutOwnSync(connection, configured: configured) {
                    try connection.transaction { try LedgerPruner(connection: connection).pruneBatch(cutoffs, limit: limit) }
                }
            }
            return try checkpointer.map { try $0.deferringFinish(batch) } ?? batch()
        }
    }

    /// Runs `body` with `synchronous=NORMAL`, so that a prune batch's commit does not wait for its own
    /// fsync, then sets the configured level back (also when `body` throws).
    ///
    /// What held the write lock longest in the measured batches was the commit's fsync (12-51 ms now
    /// and then on this disk; Benchmarks/README.md, "Growth, retention and backup"). A prune needs no
    /// durability of its own: if a power cut loses it, the next pass removes the same rows again. In
    /// WAL mode a NORMAL commit only appends its frames; the next FULL commit of the writer fsyncs the
    /// whole WAL file, this batch's frames with it, so no later commit can survive without it.
    static func withoutOwnSync<T>(_ connection: SQLiteConnection, configured: SQLiteLedgerOptions.Synchronous,
                                  _ body: () throws -> T) throws -> T {
        guard configured.pragmaValue > SQLiteLedgerOptions.Synchronous.normal.pragmaValue else { return try body() }
        try connection.exec("PRAGMA synchronous = \(SQLiteLedgerOptions.Synchronous.normal.pragmaValue)")
        let result = Result { try body() }
        // Not in a `defer` with `try?`: a writer left at NORMAL would weaken every later commit, so a
        // failure to set it back is the batch's failure, reported by the pruner.
        try connection.exec("PRAGMA synchronous = \(configured.pragmaValue)")
        return try result.get()
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

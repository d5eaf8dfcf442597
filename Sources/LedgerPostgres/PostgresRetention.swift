import Foundation
import LedgerStore
import PostgresNIO

/// Retention on PostgreSQL: the SQLite pruner's rules (LedgerPruner), as a few set statements.
///
/// A batch is one short transaction, and the sends it takes are locked with SKIP LOCKED: two daemons
/// pruning at once split the work instead of waiting for each other, and a send a writer holds right
/// now is simply left for the next batch. PostgreSQL's autovacuum makes the freed space reusable.
extension PostgresLedgerStore: LedgerRetention {
    public func pruneBatch(_ policy: RetentionPolicy, now: Date, limit: Int) async throws -> PruneSummary {
        guard policy.prunes, limit > 0 else { return PruneSummary() }
        let bounds = Bounds(policy.cutoffs(now: now), limit: limit)
        return try await transaction("pruning") { connection, logger in
            var summary = PruneSummary()
            let sends = try await connection.query(bounds.bind(PostgresRetentionSQL.deleteSends), logger: logger)
            for try await row in sends {
                let (sendCount, receiptCount) = try row.decode((Int64, Int64).self)
                summary.sends = Int(sendCount)
                summary.receipts = Int(receiptCount)
            }
            if RetentionPolicy.seeksStrayReceipts(sendsFound: summary.sends, limit: limit) {
                summary.receipts += try await Self.count(connection, bounds.bind(PostgresRetentionSQL.deleteStrayReceipts), logger)
            }
            summary.replies = try await Self.count(connection, bounds.bind(PostgresRetentionSQL.deleteOldReplies), logger)
            summary.quarantine = try await Self.count(connection, bounds.bind(PostgresRetentionSQL.deleteOldQuarantine), logger)
            return summary
        }
    }

    public func pruneCandidates(_ policy: RetentionPolicy, now: Date) async throws -> PruneSummary {
        guard policy.prunes else { return PruneSummary() }
        let bounds = Bounds(policy.cutoffs(now: now), limit: 0)
        let found = try await rows(bounds.bind(PostgresRetentionSQL.candidates), "counting what retention removes") { row in
            let (sends, receipts, replies, quarantine) = try row.decode((Int64, Int64, Int64, Int64).self)
            return PruneSummary(sends: Int(sends), receipts: Int(receipts), replies: Int(replies),
                                quarantine: Int(quarantine))
        }
        return found.first ?? PruneSummary()
    }

    private static func count(_ connection: PostgresConnection, _ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        var total = 0
        for try await row in try await connection.query(query, logger: logger) { total = Int(try row.decode(Int64.self)) }
        return total
    }

    /// $1 the settled bound, $2 the open bound (epoch ms), $3 the batch limit.
    private struct Bounds {
        let settled: Int64
        let open: Int64
        let limit: Int64

        init(_ cutoffs: RetentionCutoffs, limit: Int) {
            settled = Millis.from(cutoffs.settledBefore)
            open = Millis.from(cutoffs.openBefore)
            self.limit = Int64(limit)
        }

        func bind(_ sql: String) -> PostgresQuery {
            var binds = PostgresBindings(capacity: 3)
            binds.append(settled)
            binds.append(open)
            binds.append(limit)
            return PostgresQuery(unsafeSQL: sql, binds: binds)
        }
    }
}

/// The statements of ``PostgresLedgerStore``'s retention. Each is sent with three binds, $1 (settled
/// bound), $2 (open bound) and $3 (limit), typed in the Parse message, so one need not use them all.
enum PostgresRetentionSQL {
    /// A send's age is its send time; a send known only from a receipt that did not say when it was
    /// sent is aged by its last report (`sends_undated`).
    private static let datedSends = "sent_at < $1 AND (is_final OR sent_at < $2)"
    private static let undatedSends = "sent_at IS NULL AND last_report_at < $1 AND (is_final OR last_report_at < $2)"

    /// A send's receipts: the same send id and phone, and those without a phone (TeleSign), which
    /// the writer filed under the send with that id.
    private static let receiptOfSend = """
        r.provider = s.provider AND r.biz_id = s.biz_id
        AND (r.phone_number = s.phone_number OR r.phone_number IS NULL OR s.phone_number = '')
        """

    /// At most $3 sends, oldest first, with their receipts; returns both counts.
    static let deleteSends = """
        WITH dated AS (
            SELECT id, provider, biz_id, phone_number FROM sends WHERE \(datedSends)
            ORDER BY sent_at LIMIT $3 FOR UPDATE SKIP LOCKED
        ), undated AS (
            SELECT id, provider, biz_id, phone_number FROM sends WHERE \(undatedSends)
            ORDER BY last_report_at LIMIT $3 FOR UPDATE SKIP LOCKED
        ), doomed AS (
            SELECT * FROM (SELECT * FROM dated UNION ALL SELECT * FROM undated) d LIMIT $3
        ), gone_receipts AS (
            DELETE FROM receipts r USING doomed s WHERE \(receiptOfSend) RETURNING r.id
        ), gone_sends AS (
            DELETE FROM sends WHERE id IN (SELECT id FROM doomed) RETURNING id
        )
        SELECT (SELECT count(*) FROM gone_sends), (SELECT count(DISTINCT id) FROM gone_receipts)
        """

    /// Receipts past the retention whose send is gone (removed by hand, or by an older build).
    private static let strayReceipts = """
        SELECT r.id FROM receipts r WHERE r.received_at < $1
        AND NOT EXISTS (SELECT 1 FROM sends s WHERE s.provider = r.provider AND s.biz_id = r.biz_id)
        """

    static let deleteStrayReceipts = """
        WITH gone AS (DELETE FROM receipts WHERE id IN (\(strayReceipts) ORDER BY r.received_at LIMIT $3) RETURNING 1)
        SELECT count(*) FROM gone
        """

    static let deleteOldReplies = """
        WITH gone AS (DELETE FROM replies WHERE id IN (SELECT id FROM replies WHERE received_at < $1
                      ORDER BY received_at LIMIT $3) RETURNING 1)
        SELECT count(*) FROM gone
        """

    static let deleteOldQuarantine = """
        WITH gone AS (DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE last_seen < $1
                      ORDER BY last_seen LIMIT $3) RETURNING 1)
        SELECT count(*) FROM gone
        """

    static let candidates = """
        SELECT (SELECT count(*) FROM sends WHERE \(datedSends)) + (SELECT count(*) FROM sends WHERE \(undatedSends)),
            (SELECT count(DISTINCT r.id) FROM sends s JOIN receipts r ON \(receiptOfSend)
                WHERE (s.sent_at < $1 AND (s.is_final OR s.sent_at < $2))
                   OR (s.sent_at IS NULL AND s.last_report_at < $1 AND (s.is_final OR s.last_report_at < $2)))
              + (SELECT count(*) FROM (\(strayReceipts)) stray),
            (SELECT count(*) FROM replies WHERE received_at < $1),
            (SELECT count(*) FROM quarantine WHERE last_seen < $1)
        """
}

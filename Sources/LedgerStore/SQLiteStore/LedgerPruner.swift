import CSQLite
import Foundation

/// Removes what a ``RetentionPolicy`` lets go, a bounded batch at a time, on a connection that is
/// already inside a write transaction (``pruneBatch(_:limit:)``), or counts it (``candidates(_:)``).
///
/// Every selection walks an index in time order (the send bucket index, `sends_undated`, the
/// received-at and last-seen indexes), so a batch costs the same however large the ledger is, and
/// the oldest rows go first. The pages a batch frees go to SQLite's freelist, and the rows committed
/// next reuse them: a ledger at its retention stops growing without a VACUUM (README, "Retention").
struct LedgerPruner {
    let connection: SQLiteConnection

    /// One batch: at most `limit` sends (each with its receipts), then at most `limit` receipts whose
    /// send is gone, replies and quarantined bodies.
    func pruneBatch(_ cutoffs: RetentionCutoffs, limit: Int) throws -> PruneSummary {
        var summary = PruneSummary()
        let bounds = Bounds(cutoffs)
        let sends = try prunableSends(bounds, limit: limit)
        for send in sends {
            summary.receipts += try delete(SQL.deleteReceiptsOfSend) { statement in
                try statement.bind(send.provider, at: 1)
                try statement.bind(send.bizId, at: 2)
                try statement.bind(send.phone, at: 3)
            }
            summary.sends += try delete(SQL.deleteSend) { try $0.bind(send.id, at: 1) }
        }
        let older = { (sql: String) in
            try delete(sql) { statement in
                try statement.bind(bounds.settled, at: 1)
                try statement.bind(Int64(limit), at: 2)
            }
        }
        if RetentionPolicy.seeksStrayReceipts(sendsFound: sends.count, limit: limit) {
            summary.receipts += try older(SQL.deleteStrayReceipts)
        }
        summary.replies += try older(SQL.deleteOldReplies)
        summary.quarantine += try older(SQL.deleteOldQuarantine)
        return summary
    }

    /// Reads what ``pruneBatch(_:limit:)`` with the same arguments would change, on a read connection:
    /// the rows, and each index entry whose key is not in the order of the rows' time (out ids; the
    /// replies' phones within their day and dedupe keys by send second), since those sit on pages of
    /// their own across a part of their index. The indexes keyed by the rows' time are few, adjacent
    /// pages that the row reads bring in anyway.
    func warm(_ cutoffs: RetentionCutoffs, limit: Int) throws {
        let bounds = Bounds(cutoffs)
        let sends = try prunableSends(bounds, limit: limit)
        for send in sends {
            try read(SQL.warmSend) { try $0.bind(send.id, at: 1) }
            try read(SQL.warmReceiptsOfSend) { statement in
                try statement.bind(send.provider, at: 1)
                try statement.bind(send.bizId, at: 2)
                try statement.bind(send.phone, at: 3)
            }
        }
        let strays = RetentionPolicy.seeksStrayReceipts(sendsFound: sends.count, limit: limit) ? [SQL.warmStrayReceipts] : []
        for sql in [SQL.warmOldReplies] + strays {
            try read(sql) { statement in
                try statement.bind(bounds.settled, at: 1)
                try statement.bind(Int64(limit), at: 2)
            }
        }
    }

    /// What running ``pruneBatch(_:limit:)`` until it is empty would remove now.
    func candidates(_ cutoffs: RetentionCutoffs) throws -> PruneSummary {
        let bounds = Bounds(cutoffs)
        let count = { (sql: String) in
            try connection.withStatement(sql) { statement -> Int in
                try bounds.bind(statement)
                return try statement.step() ? Int(statement.int64(0)) : 0
            }
        }
        return PruneSummary(sends: try count(SQL.countPrunableSends), receipts: try count(SQL.countPrunableReceipts),
                            replies: try count(SQL.countOldReplies), quarantine: try count(SQL.countOldQuarantine))
    }

    // MARK: Internals

    /// The cutoffs as the statements bind them: ?1 the settled bound, ?2 the open bound (ms), ?3 the
    /// settled bound's ten-minute bucket (so the bucket index gives the range).
    private struct Bounds {
        let settled: Int64
        let open: Int64
        let bucket: Int64

        init(_ cutoffs: RetentionCutoffs) {
            settled = Millis.from(cutoffs.settledBefore)
            open = Millis.from(cutoffs.openBefore)
            bucket = settled / SQL.sendTimeBucketMillis
        }

        /// Binds as many of the three as the statement has parameters.
        func bind(_ statement: SQLiteStatement) throws {
            let count = sqlite3_bind_parameter_count(statement.handle)
            for (index, value) in [settled, open, bucket].enumerated() where Int32(index) < count {
                try statement.bind(value, at: Int32(index) + 1)
            }
        }
    }

    private struct PrunableSend {
        let id: Int64
        let provider: String
        let bizId: String
        let phone: String
    }

    /// The oldest sends a batch may take: dated ones first, then those aged by their last report.
    private func prunableSends(_ bounds: Bounds, limit: Int) throws -> [PrunableSend] {
        var sends = try selectSends(SQL.prunableDatedSends, bounds, limit: limit)
        if sends.count < limit {
            sends += try selectSends(SQL.prunableUndatedSends, bounds, limit: limit - sends.count)
        }
        return sends
    }

    private func selectSends(_ sql: String, _ bounds: Bounds, limit: Int) throws -> [PrunableSend] {
        try connection.withStatement(sql) { statement in
            try bounds.bind(statement)
            try statement.bind(Int64(limit), at: 4)
            var found: [PrunableSend] = []
            while try statement.step() {
                found.append(PrunableSend(id: statement.int64(0), provider: statement.string(1),
                                          bizId: statement.string(2), phone: statement.string(3)))
            }
            return found
        }
    }

    /// Steps through every row of `sql`, for the pages it reads.
    private func read(_ sql: String, _ bind: (SQLiteStatement) throws -> Void) throws {
        try connection.withStatement(sql) { statement in
            try bind(statement)
            while try statement.step() {}
        }
    }

    private func delete(_ sql: String, _ bind: (SQLiteStatement) throws -> Void) throws -> Int {
        try connection.withStatement(sql) { statement in
            try bind(statement)
            try statement.run()
        }
        return connection.changes
    }
}

// The statements of retention, beside the writer's in `SQL`. Bind order: see `LedgerPruner.Bounds`.
extension SQL {
    /// A send's age is its send time; a send known only from a receipt that did not say when it was
    /// sent is aged by its last report instead (`sends_undated`, schema 6).
    private static let datedSendCondition = """
        \(sendTimeBucket) <= ?3 AND sent_at < ?1 AND (is_final = 1 OR sent_at < ?2)
        """

    private static let undatedSendCondition = """
        sent_at IS NULL AND last_report_at < ?1 AND (is_final = 1 OR last_report_at < ?2)
        """

    static let prunableDatedSends = """
        SELECT id, provider, biz_id, phone_number FROM sends WHERE \(datedSendCondition)
        ORDER BY \(sendTimeBucket) LIMIT ?4
        """

    static let prunableUndatedSends = """
        SELECT id, provider, biz_id, phone_number FROM sends WHERE \(undatedSendCondition)
        ORDER BY last_report_at LIMIT ?4
        """

    /// A send's receipts: the same send id and phone, and those without a phone (TeleSign), which
    /// the writer filed under the send with that id. Served by `receipts_biz_id`.
    private static let receiptOfSend = """
        r.provider = s.provider AND r.biz_id = s.biz_id
        AND (r.phone_number = s.phone_number OR r.phone_number IS NULL OR s.phone_number = '')
        """

    static let deleteReceiptsOfSend = """
        DELETE FROM receipts WHERE provider = ?1 AND biz_id = ?2
        AND (phone_number = ?3 OR phone_number IS NULL OR ?3 = '')
        """

    static let deleteSend = "DELETE FROM sends WHERE id = ?1"

    /// Receipts past the retention whose send is gone (removed by hand, or by an older build).
    private static let strayReceipts = """
        SELECT r.id FROM receipts r WHERE r.received_at < ?1
        AND NOT EXISTS (SELECT 1 FROM sends s WHERE s.provider = r.provider AND s.biz_id = r.biz_id)
        """

    static let deleteStrayReceipts = """
        DELETE FROM receipts WHERE id IN (\(strayReceipts) ORDER BY r.received_at LIMIT ?2)
        """

    static let deleteOldReplies = """
        DELETE FROM replies WHERE id IN (SELECT id FROM replies WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)
        """

    static let deleteOldQuarantine = """
        DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE last_seen < ?1 ORDER BY last_seen LIMIT ?2)
        """

    // MARK: Warming (read-only; each correlated lookup goes through the index it is there to read: a
    // first version looked a phone up without naming the index, and the planner took `received_at`)

    static let warmSend = """
        SELECT (SELECT count(*) FROM sends o WHERE o.out_id = s.out_id)
        FROM sends s WHERE s.id = ?1
        """

    static let warmReceiptsOfSend = """
        SELECT (SELECT count(*) FROM receipts o WHERE o.out_id = r.out_id),
               length(r.raw_body)
        FROM receipts r WHERE r.provider = ?1 AND r.biz_id = ?2
        AND (r.phone_number = ?3 OR r.phone_number IS NULL OR ?3 = '')
        """

    static let warmOldReplies = """
        SELECT (SELECT count(*) FROM replies p INDEXED BY replies_phone_day
                WHERE p.\(replyDay) = r.\(replyDay) AND p.phone_number = r.phone_number),
               (SELECT count(*) FROM replies d WHERE d.dedupe_key = r.dedupe_key),
               length(r.raw_body)
        FROM replies r WHERE r.received_at < ?1 ORDER BY r.received_at LIMIT ?2
        """

    static let warmStrayReceipts = "\(strayReceipts) ORDER BY r.received_at LIMIT ?2"

    // MARK: Dry run

    static let countPrunableSends = """
        SELECT (SELECT count(*) FROM sends WHERE \(datedSendCondition))
             + (SELECT count(*) FROM sends WHERE \(undatedSendCondition))
        """

    static let countPrunableReceipts = """
        SELECT (SELECT count(*) FROM sends s JOIN receipts r ON \(receiptOfSend)
                WHERE s.\(sendTimeBucket) <= ?3 AND s.sent_at < ?1 AND (s.is_final = 1 OR s.sent_at < ?2))
             + (SELECT count(*) FROM sends s JOIN receipts r ON \(receiptOfSend)
                WHERE s.sent_at IS NULL AND s.last_report_at < ?1 AND (s.is_final = 1 OR s.last_report_at < ?2))
             + (SELECT count(*) FROM (\(strayReceipts)))
        """

    static let countOldReplies = "SELECT count(*) FROM replies WHERE received_at < ?1"

    static let countOldQuarantine = "SELECT count(*) FROM quarantine WHERE last_seen < ?1"
}

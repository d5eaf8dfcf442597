import Foundation

/// ``LedgerGaugeSource`` on the read connection, in one read transaction.
///
/// Each figure is an index lookup: the per-state counts come from `send_state_counts`, which
/// triggers keep in step with `sends` (schema 5); "due" counts entries of the partial index
/// `sends_due` up to `now` (the backlog, so it is as long as the backlog, and no longer); the newest
/// receipt and reply are the last entries of their `received_at` indexes; the newest send is found
/// in the last ten-minute bucket of `sends_sent_bucket`.
extension SQLiteLedgerStore: LedgerGaugeSource {
    public func gauges(now: Date) async throws -> LedgerGauges {
        try await reader.run { connection in
            try connection.exec("BEGIN")
            defer { try? connection.exec("COMMIT") }
            return try Self.gauges(on: connection, now: now)
        }
    }

    static func gauges(on connection: SQLiteConnection, now: Date) throws -> LedgerGauges {
        var gauges = LedgerGauges()
        try connection.withStatement("SELECT state, count FROM send_state_counts WHERE count > 0") { statement in
            while try statement.step() { gauges.sendsByState[statement.string(0)] = Int(statement.int64(1)) }
        }
        gauges.dueSends = try connection.withStatement(
            "SELECT count(*) FROM sends WHERE is_final = 0 AND tracked = 1 AND next_check_at <= ?1") { statement in
                try statement.bind(now, at: 1)
                return try statement.step() ? Int(statement.int64(0)) : 0
            }
        gauges.lastReceiptAt = try connection.scalarInt("SELECT max(received_at) FROM receipts").map(Millis.date)
        gauges.lastReplyAt = try connection.scalarInt("SELECT max(received_at) FROM replies").map(Millis.date)
        gauges.lastSendAt = try connection.scalarInt("""
            SELECT max(sent_at) FROM sends
            WHERE \(SQL.sendTimeBucket) = (SELECT max(\(SQL.sendTimeBucket)) FROM sends)
            """).map(Millis.date)
        return gauges
    }
}

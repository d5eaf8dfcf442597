import Foundation
import LedgerStore
import PostgresNIO

/// ``LedgerGaugeSource`` on PostgreSQL: each figure an index lookup or a handful of rows, as on
/// SQLite. The counts by state are the sums of `send_state_counts`' shards (schema 2); "due" counts
/// the partial index `sends_due` up to `now`; the newest rows are the ends of their time indexes.
extension PostgresLedgerStore: LedgerGaugeSource {
    public func gauges(now: Date) async throws -> LedgerGauges {
        let states = try await rows("""
            SELECT state, sum(count)::bigint FROM send_state_counts GROUP BY state HAVING sum(count) > 0
            """, "reading the send counts") { row in try row.decode((String, Int64).self) }
        let figures = try await rows("""
            SELECT (SELECT count(*) FROM sends WHERE NOT is_final AND tracked AND next_check_at <= \(Millis.from(now))),
                (SELECT max(received_at) FROM receipts), (SELECT max(received_at) FROM replies),
                (SELECT max(sent_at) FROM sends)
            """, "reading the gauges") { row in try row.decode((Int64, Int64?, Int64?, Int64?).self) }
        var gauges = LedgerGauges()
        for (state, count) in states { gauges.sendsByState[state] = Int(count) }
        if let (due, receipt, reply, send) = figures.first {
            gauges.dueSends = Int(due)
            gauges.lastReceiptAt = receipt.map(Millis.date)
            gauges.lastReplyAt = reply.map(Millis.date)
            gauges.lastSendAt = send.map(Millis.date)
        }
        return gauges
    }
}

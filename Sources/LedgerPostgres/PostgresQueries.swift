import Foundation
import LedgerStore
import PostgresNIO
import SMSLedgerCore

/// ``LedgerQuery`` as PostgreSQL statements: the same filters and order as the SQLite reader.
enum PostgresQueries {
    /// A WHERE clause being built, with its binds in placeholder order.
    struct Filter {
        private(set) var clauses: [String] = []
        private(set) var binds = PostgresBindings()

        init(timeColumn: String, query: LedgerQuery) {
            if let from = query.from { add("\(timeColumn) >= $", Millis.from(from)) }
            if let to = query.to { add("\(timeColumn) < $", Millis.from(to)) }
        }

        /// Adds `clause`, whose every `$` is the placeholder of the next value.
        mutating func add<Value: PostgresDynamicTypeEncodable>(_ clause: String, _ values: Value...) {
            var text = ""
            var remaining = values[...]
            for character in clause {
                guard character == "$", let value = remaining.popFirst() else {
                    text.append(character)
                    continue
                }
                binds.append(value)
                text += "$\(binds.count)"
            }
            clauses.append(text)
        }

        mutating func match(_ column: String, _ value: String?) {
            if let value { add("\(column) = $", value) }
        }

        func query(_ columns: String, from table: String, order: String, limit: Int) -> PostgresQuery {
            var binds = binds
            binds.append(Int64(max(0, limit)))
            let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            return PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(table)\(condition) ORDER BY \(order) LIMIT $\(binds.count)",
                                 binds: binds)
        }
    }

    static func receipts(_ query: LedgerQuery) -> PostgresQuery {
        var filter = Filter(timeColumn: "received_at", query: query)
        // Receipts have no phone index (as in the SQLite ledger): the phone's sends give the send ids.
        if let phone = query.phoneNumber {
            filter.add("biz_id IN (SELECT biz_id FROM sends WHERE phone_number = $) AND phone_number = $", phone, phone)
        }
        filter.match("biz_id", query.bizId)
        filter.match("out_id", query.outId)
        filter.match("state", query.state?.rawValue)
        filter.match("provider", query.provider?.rawValue)
        filter.match("source", query.source?.rawValue)
        return filter.query(PostgresRows.receiptColumns, from: "receipts", order: "received_at DESC, id DESC",
                            limit: query.limit)
    }

    static func replies(_ query: LedgerQuery) -> PostgresQuery {
        var filter = Filter(timeColumn: "received_at", query: query)
        filter.match("phone_number", query.phoneNumber)
        return filter.query(PostgresRows.replyColumns, from: "replies", order: "received_at DESC, id DESC",
                            limit: query.limit)
    }

    /// Newest first; sends without a send time last, as SQLite sorts a NULL in a descending order.
    static func sends(_ query: LedgerQuery) -> PostgresQuery {
        var filter = Filter(timeColumn: "sent_at", query: query)
        filter.match("phone_number", query.phoneNumber)
        filter.match("biz_id", query.bizId)
        filter.match("out_id", query.outId)
        filter.match("state", query.state?.rawValue)
        filter.match("provider", query.provider?.rawValue)
        return filter.query(PostgresRows.sendColumns, from: "sends", order: "sent_at DESC NULLS LAST, id DESC",
                            limit: query.limit)
    }

    static func quarantine(_ query: LedgerQuery) -> PostgresQuery {
        var filter = Filter(timeColumn: "last_seen", query: query)
        filter.match("source", query.source?.rawValue)
        return filter.query(PostgresRows.quarantineColumns, from: "quarantine", order: "last_seen DESC, id DESC",
                            limit: query.limit)
    }

    /// Served by the partial index `sends_due`, whatever the number of closed sends. Claims are not
    /// considered: this is what is due, not what this daemon may take.
    static func dueSends(now: Date, limit: Int) -> PostgresQuery {
        """
        SELECT \(unescaped: PostgresRows.sendColumns) FROM sends
        WHERE NOT is_final AND tracked AND next_check_at <= \(Millis.from(now))
        ORDER BY next_check_at LIMIT \(Int64(max(0, limit)))
        """
    }

    /// Takes the earliest due sends nobody holds: rows another transaction is claiming right now are
    /// skipped (SKIP LOCKED), and rows claimed earlier are skipped until their claim expires.
    static func claimDueSends(now: Date, limit: Int, leaseUntil: Date) -> PostgresQuery {
        let now = Millis.from(now)
        return """
            UPDATE sends SET claimed_until = \(Millis.from(leaseUntil))
            WHERE id IN (
                SELECT id FROM sends
                WHERE NOT is_final AND tracked AND next_check_at <= \(now)
                    AND (claimed_until IS NULL OR claimed_until <= \(now))
                ORDER BY next_check_at LIMIT \(Int64(max(0, limit)))
                FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: PostgresRows.sendColumns)
            """
    }

    static let checkRecordset = Recordset(columns: [
        ("provider", "text"), ("biz_id", "text"), ("phone_number", "text"), ("checked_at", "bigint"),
        ("next_check_at", "bigint"), ("reason", "text"),
    ])

    struct CheckRow: Encodable {
        let provider, biz_id, phone_number: String
        let checked_at: Int64
        let next_check_at: Int64?
        let reason: String?

        init(_ check: SendCheck) {
            provider = check.send.provider.rawValue
            biz_id = PostgresRows.text(check.send.bizId)
            phone_number = PostgresRows.text(check.send.phoneNumber ?? "")
            checked_at = Millis.from(check.checkedAt)
            switch check.outcome {
            case .checkAgain(let at): next_check_at = Millis.from(at); reason = nil
            case .close(let why): next_check_at = nil; reason = PostgresRows.text(why)
            }
        }
    }

    /// Records every check of `markChecked` in one statement and ends their claims. A close never
    /// overrides a final state a receipt set in the meantime; a reschedule of a send that became
    /// final keeps it off the due list.
    static let recordChecks = """
        UPDATE sends s SET check_count = s.check_count + 1, last_checked_at = r.checked_at, claimed_until = NULL,
            next_check_at = CASE WHEN s.is_final OR r.reason IS NOT NULL THEN NULL ELSE r.next_check_at END,
            closed_reason = CASE WHEN s.is_final OR r.reason IS NULL THEN s.closed_reason ELSE r.reason END,
            retryable     = CASE WHEN s.is_final OR r.reason IS NULL THEN s.retryable ELSE NULL END,
            state         = CASE WHEN s.is_final OR r.reason IS NULL THEN s.state ELSE 'unknown' END,
            is_final      = s.is_final OR r.reason IS NOT NULL
        FROM \(checkRecordset.from("$1"))
        WHERE s.provider = r.provider AND s.biz_id = r.biz_id AND s.phone_number = r.phone_number
        """

    static let counts: PostgresQuery = """
        SELECT (SELECT count(*) FROM receipts), (SELECT count(*) FROM replies), (SELECT count(*) FROM sends),
            (SELECT count(*) FROM sends WHERE NOT is_final AND tracked), (SELECT count(*) FROM quarantine)
        """
}

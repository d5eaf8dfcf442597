import Foundation
import LedgerStore
import Logging
import PostgresNIO

/// ``DeliveryStatistics`` on PostgreSQL: the SQLite ledger's figures (LedgerStatistics), with the
/// grouping, counting and percentiles left to the server.
///
/// Three statements in one read-only REPEATABLE READ transaction, so all of them see one snapshot
/// while the daemons keep committing:
/// 1. per group, the counts by state and the median and p95 of the send-to-final-report times, as
///    `percentile_disc(ARRAY[0.5, 0.95])`. Its rank is ⌈p·n⌉ and at least 1 (PostgreSQL's
///    `setup_pct_info`), which is the nearest rank the SQLite ledger takes (``NearestRank``); the
///    tests check group sizes on both sides of the rounding edges (1...5, 19...21, 39...41, 100) on
///    both backends. The sort is the server's, and spills to disk for a big window;
/// 2. final failures per group and provider code; the top codes are then picked in Swift by the
///    SQLite ledger's rule (most frequent, then by code), so both backends list the same codes;
/// 3. one receipt text for each code shown, all codes in one statement: a `LIMIT 1` per code through
///    the sends that carry it and `receipts_biz_id`. The receipts table has no index on its code.
///
/// The window is a range of the plain `sends_sent_at` index; SQLite's ten-minute buckets are an
/// answer to its planner and are not needed here. A window of a million sends takes 2 to 3 s on a
/// development machine (PostgreSQL 15), most of it the sort of pass 1.
extension PostgresLedgerStore: LedgerStatisticsSource {
    public func statistics(_ query: StatisticsQuery) async throws -> DeliveryStatistics {
        let window = PostgresStatistics.Window(query)
        // A report over months of a large ledger may take longer than a commit is allowed to wait.
        return try await transaction("computing delivery statistics", timeout: .seconds(600)) { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let reader = PostgresStatistics(connection: connection, logger: logger, window: window)
            return try await reader.compute(query)
        }
    }
}

/// The passes of ``PostgresLedgerStore/statistics(_:)`` on one connection, inside its transaction.
struct PostgresStatistics {
    let connection: PostgresConnection
    let logger: Logger
    let window: Window

    func compute(_ query: StatisticsQuery) async throws -> DeliveryStatistics {
        var groups = try await counts(query.grouping)
        let failures = try await failureCounts(query.grouping)
        var overall: [String: Int] = [:]
        for codes in failures.values {
            for (code, count) in codes { overall[code, default: 0] += count }
        }
        let groupTops = groups.map { Self.top(failures[$0.key] ?? [:], query.topErrors) }
        let overallTop = Self.top(overall, query.topErrors)
        let shown = Set((groupTops.joined() + overallTop).map(\.code)).sorted()
        let texts = try await errorTexts(shown)
        func listed(_ top: [(code: String, count: Int)]) -> [ErrorCount] {
            top.map { ErrorCount(code: $0.code, text: texts[$0.code] ?? nil, count: $0.count) }
        }
        for index in groups.indices { groups[index].topErrors = listed(groupTops[index]) }
        return DeliveryStatistics(grouping: query.grouping, groups: groups, topErrors: listed(overallTop))
    }

    // MARK: The passes

    private func counts(_ grouping: StatisticsGrouping) async throws -> [GroupStatistics] {
        var groups: [GroupStatistics] = []
        for try await row in try await connection.query(window.bind(Self.countsSQL(grouping)), logger: logger) {
            let c = Cells(row)
            let int = { (index: Int) throws -> Int in Int(try c[index] as Int64) }
            // NULL when the group has no timed send; else exactly the two, in the order asked.
            let percentiles: [Int64]? = try c[8]
            groups.append(GroupStatistics(
                key: try c[0], sends: try int(1), delivered: try int(2), failed: try int(3),
                expired: try int(4), unknown: try int(5), pending: try int(6), timed: try int(7),
                medianMillis: percentiles?.first, p95Millis: percentiles?.last))
        }
        return groups
    }

    /// Group key → provider code → final failed or expired sends.
    private func failureCounts(_ grouping: StatisticsGrouping) async throws -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for try await row in try await connection.query(window.bind(Self.failuresSQL(grouping)), logger: logger) {
            let (key, code, count) = try row.decode((String, String, Int64).self)
            result[key, default: [:]][code] = Int(count)
        }
        return result
    }

    /// Code → one provider text for it (`nil` when no receipt of a failed send in the window had one).
    private func errorTexts(_ codes: [String]) async throws -> [String: String?] {
        guard !codes.isEmpty else { return [:] }
        var texts: [String: String?] = [:]
        for try await row in try await connection.query(window.bind(Self.errorTextsSQL, codes), logger: logger) {
            let (code, text) = try row.decode((String, String?).self)
            texts[code] = text
        }
        return texts
    }

    /// Most frequent first; equal counts by code, so the answer does not depend on hash order (the
    /// SQLite ledger's rule, so both backends list the same codes).
    static func top(_ counts: [String: Int], _ limit: Int) -> [(code: String, count: Int)] {
        counts.map { (code: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.code < $1.code }
            .prefix(max(0, limit)).map { $0 }
    }

    // MARK: Statements

    /// The window as `$1` (inclusive) and `$2` (exclusive) of every statement, in epoch ms; an open
    /// end is the end of `bigint`, so the bounds are always there and sends without a time never match.
    struct Window: Sendable {
        var from: Int64 = .min
        var to: Int64 = .max

        init(_ query: StatisticsQuery) {
            if let date = query.from { from = Millis.from(date) }
            if let date = query.to { to = Millis.from(date) }
        }

        func bind(_ sql: String, _ codes: [String]? = nil) -> PostgresQuery {
            var binds = PostgresBindings(capacity: 3)
            binds.append(from)
            binds.append(to)
            if let codes { binds.append(codes) }
            return PostgresQuery(unsafeSQL: sql, binds: binds)
        }
    }

    private static let finalFailure = "s.is_final AND s.state IN ('failed', 'expired')"
    private static let timed = "s.is_final AND s.last_report_at IS NOT NULL"

    /// The group of a send, `g`. Text keys sort bytewise (`COLLATE "C"`) as SQLite sorts them, whatever
    /// the database's collation: under `en_US`, `-` would not come first. Beijing days are the day's
    /// number since 1970-01-01 (Beijing): 28,800,000 ms is UTC+8, 86,400,000 ms a day; `bigint`
    /// division truncates as SQLite's does, so both backends put a send in the same day.
    private static func keyExpression(_ grouping: StatisticsGrouping) -> String {
        switch grouping {
        case .none: return "'all'::text"
        case .day: return "(sent_at + 28800000) / 86400000"
        case .template: return "COALESCE(template_code, '-') COLLATE \"C\""
        case .provider: return "provider COLLATE \"C\""
        case .error:
            return "(CASE WHEN is_final AND state IN ('failed', 'expired') THEN COALESCE(provider_code, '-') "
                + "ELSE '-' END) COLLATE \"C\""
        }
    }

    /// The sends of the window with their group `g`, as `s`.
    private static func windowed(_ grouping: StatisticsGrouping) -> String {
        """
        (SELECT \(keyExpression(grouping)) AS g, state, is_final, provider_code, sent_at, last_report_at
         FROM sends WHERE sent_at >= $1 AND sent_at < $2) s
        """
    }

    /// Column 0 of a grouped statement: the key as text; a day number becomes `yyyy-MM-dd`, the date
    /// of that many days after 1970-01-01.
    private static func label(_ grouping: StatisticsGrouping) -> String {
        grouping == .day ? "to_char(date '1970-01-01' + s.g::integer, 'YYYY-MM-DD')" : "s.g"
    }

    static func countsSQL(_ grouping: StatisticsGrouping) -> String {
        """
        SELECT \(label(grouping)), count(*), count(*) FILTER (WHERE s.is_final AND s.state = 'delivered'),
            count(*) FILTER (WHERE s.is_final AND s.state = 'failed'),
            count(*) FILTER (WHERE s.is_final AND s.state = 'expired'),
            count(*) FILTER (WHERE s.is_final AND s.state = 'unknown'), count(*) FILTER (WHERE NOT s.is_final),
            count(*) FILTER (WHERE \(timed)),
            percentile_disc(ARRAY[0.5, 0.95]::float8[]) WITHIN GROUP (ORDER BY s.last_report_at - s.sent_at)
                FILTER (WHERE \(timed))
        FROM \(windowed(grouping)) GROUP BY s.g ORDER BY s.g
        """
    }

    static func failuresSQL(_ grouping: StatisticsGrouping) -> String {
        """
        SELECT \(label(grouping)), s.provider_code, count(*) FROM \(windowed(grouping))
        WHERE \(finalFailure) AND s.provider_code IS NOT NULL GROUP BY s.g, s.provider_code
        """
    }

    /// For each code in `$3`, the text of the first receipt found that carried it for a failed send of
    /// the window. Any one will do: a provider's text for a code is the same sentence every time.
    static let errorTextsSQL = """
        SELECT c.code, (
            SELECT r.provider_text FROM sends s JOIN receipts r ON r.biz_id = s.biz_id AND r.provider = s.provider
            WHERE s.sent_at >= $1 AND s.sent_at < $2 AND \(finalFailure) AND s.provider_code = c.code
                AND r.provider_code = c.code AND r.provider_text IS NOT NULL AND r.provider_text <> ''
            LIMIT 1)
        FROM unnest($3::text[]) AS c(code)
        """
}

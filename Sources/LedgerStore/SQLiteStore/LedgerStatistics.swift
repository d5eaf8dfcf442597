import Foundation
import SMSLedgerCore

/// Computes ``DeliveryStatistics`` on the read connection, in one read transaction so the three
/// passes below see the same snapshot while the daemon keeps writing.
///
/// Every pass reads the window as a range of `sends_sent_bucket` (schema 3): the bounds on
/// `sent_at` are repeated on its ten-minute bucket, so a week in a ledger of years reads that
/// week's index entries and rows, not the table. The passes are:
/// 1. counts per group, one `GROUP BY`;
/// 2. the send-to-final times of each group in ascending order, streamed: pass 1 gave each
///    group's count, so the median and p95 ranks are known before the first value and nothing is
///    held but the two answers (SQLite's sorter spills to disk for a big window, not to our heap);
/// 3. final failures per group and provider code, then one receipt text for each code shown,
///    looked up through the sends that carry it and `receipts_biz_id`: the receipts table has no
///    index on its code, and a scan of it per code would cost more than everything else.
///
/// No index was added for this: a covering index would have to be rewritten by every receipt that
/// moves a send, and the writer's page traffic is what the schema is tuned for (LedgerSchema).
/// The figures for a million sends are in Benchmarks/README.md.
struct LedgerStatistics {
    let connection: SQLiteConnection

    func run(_ query: StatisticsQuery) throws -> DeliveryStatistics {
        try connection.exec("BEGIN")
        do {
            let result = try compute(query)
            try connection.exec("COMMIT")
            return result
        } catch {
            try? connection.exec("ROLLBACK")
            throw error
        }
    }

    private func compute(_ query: StatisticsQuery) throws -> DeliveryStatistics {
        let window = Window(query)
        var groups = try counts(query.grouping, window)
        try addTimings(to: &groups, query.grouping, window)
        let failures = try failureCounts(query.grouping, window)
        var texts: [String: String?] = [:]
        func text(_ code: String) throws -> String? {
            if let known = texts[code] { return known }
            let found = try errorText(code, window)
            texts[code] = found
            return found
        }
        var overall: [String: Int] = [:]
        for index in groups.indices {
            let codes = failures[groups[index].key] ?? [:]
            for (code, count) in codes { overall[code, default: 0] += count }
            groups[index].topErrors = try Self.top(codes, query.topErrors).map {
                ErrorCount(code: $0.code, text: try text($0.code), count: $0.count)
            }
        }
        let topErrors = try Self.top(overall, query.topErrors).map {
            ErrorCount(code: $0.code, text: try text($0.code), count: $0.count)
        }
        return DeliveryStatistics(grouping: query.grouping, groups: groups, topErrors: topErrors)
    }

    // MARK: The passes

    private func counts(_ grouping: StatisticsGrouping, _ window: Window) throws -> [GroupStatistics] {
        try connection.withStatement(Self.countsSQL(grouping)) { statement in
            try window.bind(to: statement)
            var groups: [GroupStatistics] = []
            while try statement.step() {
                groups.append(GroupStatistics(
                    key: Self.key(statement, grouping), sends: Int(statement.int64(1)),
                    delivered: Int(statement.int64(2)), failed: Int(statement.int64(3)),
                    expired: Int(statement.int64(4)), unknown: Int(statement.int64(5)),
                    pending: Int(statement.int64(6)), timed: Int(statement.int64(7))))
            }
            return groups
        }
    }

    private func addTimings(to groups: inout [GroupStatistics], _ grouping: StatisticsGrouping,
                            _ window: Window) throws {
        let position = Dictionary(uniqueKeysWithValues: groups.indices.map { (groups[$0].key, $0) })
        try connection.withStatement(Self.durationsSQL(grouping)) { statement in
            try window.bind(to: statement)
            var current: (index: Int, ranks: NearestRank)?
            func finish() {
                guard let current else { return }
                groups[current.index].medianMillis = current.ranks.median
                groups[current.index].p95Millis = current.ranks.p95
            }
            while try statement.step() {
                let key = Self.key(statement, grouping)
                if current.map({ groups[$0.index].key }) != key {
                    finish()
                    guard let index = position[key] else {
                        throw StoreError(.rejected, message: "statistics: group \(key) changed between passes")
                    }
                    current = (index, NearestRank(count: groups[index].timed))
                }
                current?.ranks.take(statement.int64(1))
            }
            finish()
        }
    }

    /// Group key → provider code → final failed or expired sends.
    private func failureCounts(_ grouping: StatisticsGrouping, _ window: Window) throws -> [String: [String: Int]] {
        try connection.withStatement(Self.failuresSQL(grouping)) { statement in
            try window.bind(to: statement)
            var result: [String: [String: Int]] = [:]
            while try statement.step() {
                result[Self.key(statement, grouping), default: [:]][statement.string(1)] = Int(statement.int64(2))
            }
            return result
        }
    }

    private func errorText(_ code: String, _ window: Window) throws -> String? {
        try connection.withStatement(Self.errorTextSQL) { statement in
            try window.bind(to: statement)
            try statement.bind(code, at: 5)
            return try statement.step() ? statement.optionalString(0) : nil
        }
    }

    /// Most frequent first; equal counts by code, so the answer does not depend on hash order.
    private static func top(_ counts: [String: Int], _ limit: Int) -> [(code: String, count: Int)] {
        counts.map { (code: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.code < $1.code }
            .prefix(max(0, limit)).map { $0 }
    }

    // MARK: Statements

    /// The window as parameters ?1...?4 of every statement below.
    private struct Window {
        var from: Int64 = .min
        var to: Int64 = .max

        init(_ query: StatisticsQuery) {
            if let date = query.from { from = Millis.from(date) }
            if let date = query.to { to = Millis.from(date) }
        }

        func bind(to statement: SQLiteStatement) throws {
            try statement.bind(from, at: 1)
            try statement.bind(to, at: 2)
            // Swift's and SQLite's integer division both truncate, so the buckets agree.
            try statement.bind(from / SQL.sendTimeBucketMillis, at: 3)
            try statement.bind(to / SQL.sendTimeBucketMillis, at: 4)
        }
    }

    /// The window on `sent_at` and the same window on its bucket, the key of `sends_sent_bucket`.
    private static func window(_ table: String = "") -> String {
        "\(table)sent_at >= ?1 AND \(table)sent_at < ?2 AND \(table)\(SQL.sendTimeBucket) >= ?3 "
            + "AND \(table)\(SQL.sendTimeBucket) <= ?4"
    }

    private static let finalFailure = "is_final = 1 AND state IN ('failed', 'expired')"

    /// Beijing days: 28,800,000 ms is UTC+8, 86,400,000 ms a day. The key is the day's number
    /// since 1970-01-01 (Beijing), turned into a date by ``key(_:_:)``.
    private static func keyExpression(_ grouping: StatisticsGrouping) -> String {
        switch grouping {
        case .none: return "'all'"
        case .day: return "(sent_at + 28800000) / 86400000"
        case .template: return "COALESCE(template_code, '-')"
        case .provider: return "provider"
        case .error: return "CASE WHEN \(finalFailure) THEN COALESCE(provider_code, '-') ELSE '-' END"
        }
    }

    static func countsSQL(_ grouping: StatisticsGrouping) -> String {
        """
        SELECT \(keyExpression(grouping)) AS g, count(*), sum(is_final = 1 AND state = 'delivered'),
            sum(is_final = 1 AND state = 'failed'), sum(is_final = 1 AND state = 'expired'),
            sum(is_final = 1 AND state = 'unknown'), sum(is_final = 0),
            sum(is_final = 1 AND last_report_at IS NOT NULL)
        FROM sends WHERE \(window()) GROUP BY g ORDER BY g
        """
    }

    /// Must select exactly the sends pass 1 counts as `timed`.
    static func durationsSQL(_ grouping: StatisticsGrouping) -> String {
        """
        SELECT \(keyExpression(grouping)) AS g, last_report_at - sent_at AS d FROM sends
        WHERE \(window()) AND is_final = 1 AND last_report_at IS NOT NULL ORDER BY g, d
        """
    }

    static func failuresSQL(_ grouping: StatisticsGrouping) -> String {
        """
        SELECT \(keyExpression(grouping)) AS g, provider_code, count(*) FROM sends
        WHERE \(window()) AND \(finalFailure) AND provider_code IS NOT NULL GROUP BY g, provider_code
        """
    }

    /// The first failed send in the window with this code whose receipts give a text. Any one will
    /// do: a provider's text for a code is the same sentence every time.
    static let errorTextSQL = """
        SELECT r.provider_text FROM sends s JOIN receipts r ON r.biz_id = s.biz_id AND r.provider = s.provider
        WHERE \(window("s.")) AND s.is_final = 1 AND s.state IN ('failed', 'expired') AND s.provider_code = ?5
            AND r.provider_code = ?5 AND r.provider_text IS NOT NULL AND r.provider_text != ''
        LIMIT 1
        """

    private static func key(_ statement: SQLiteStatement, _ grouping: StatisticsGrouping) -> String {
        guard grouping == .day else { return statement.string(0) }
        return beijingDate(dayNumber: statement.int64(0))
    }

    /// `yyyy-MM-dd` of a day number counted from 1970-01-01: the UTC calendar date of that many
    /// days after the epoch is the Beijing date the number was computed for.
    static func beijingDate(dayNumber: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day],
                                            from: Date(timeIntervalSince1970: Double(dayNumber) * 86_400))
        let year = parts.year ?? 0, month = parts.month ?? 0, day = parts.day ?? 0
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}

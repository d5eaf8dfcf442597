import Foundation
import LedgerStore

/// ``DeliveryStatistics`` as a table for people and as JSON lines for scripts.
///
/// The table rounds (a rate to a tenth of a percent, times to a readable unit); the JSON keeps
/// exact counts and milliseconds so scripts can compute with them.
enum StatsRendering {
    static func table(_ statistics: DeliveryStatistics, query: StatisticsQuery) -> String {
        let header = "sends from \(window(query))" + (statistics.grouping == .day ? ", days in Beijing time (UTC+8)" : "")
        let name = groupColumn(statistics.grouping)
        let rows = statistics.groups.map { group in
            OutputRow(fields: [
                (name, group.key), ("sends", group.sends), ("delivered", group.delivered), ("failed", group.failed),
                ("expired", group.expired), ("unknown", group.unknown), ("pending", group.pending),
                ("rate", group.deliveryRate.map(percent)), ("median", group.medianMillis.map(duration)),
                ("p95", group.p95Millis.map(duration)),
                ("top_error", group.topErrors.first.map { "\($0.code) ×\($0.count)" }),
            ])
        }
        var columns = [name, "sends", "delivered", "failed", "expired", "unknown", "pending", "rate", "median", "p95"]
        if statistics.grouping != .none && statistics.grouping != .error { columns.append("top_error") }
        var text = header + "\n" + RowRendering.table(rows, columns: columns)
        if !statistics.topErrors.isEmpty {
            let errors = statistics.topErrors.map { error in
                OutputRow(fields: [("error_code", error.code), ("count", error.count), ("text", error.text)])
            }
            text += "\ntop errors (failed and expired)\n"
                + RowRendering.table(errors, columns: ["error_code", "count", "text"], maxCell: 60)
        }
        return text
    }

    /// One object per group. `top_errors` is the group's own list; ungrouped, that is the window's.
    static func jsonLines(_ statistics: DeliveryStatistics, query: StatisticsQuery) -> String {
        let rows = statistics.groups.map { group in
            OutputRow(fields: [
                ("group_by", statistics.grouping.rawValue), ("group", group.key), ("from", query.from),
                ("to", query.to), ("sends", group.sends), ("delivered", group.delivered), ("failed", group.failed),
                ("expired", group.expired), ("unknown", group.unknown), ("pending", group.pending),
                ("delivery_rate", group.deliveryRate), ("timed", group.timed), ("median_ms", group.medianMillis),
                ("p95_ms", group.p95Millis),
                ("top_errors", group.topErrors.map { error -> [String: Any] in
                    ["code": error.code, "text": error.text ?? NSNull(), "count": error.count]
                }),
            ])
        }
        return RowRendering.jsonLines(rows)
    }

    private static func groupColumn(_ grouping: StatisticsGrouping) -> String {
        switch grouping {
        case .none: return "window"
        case .day: return "day"
        case .template: return "template"
        case .provider: return "provider"
        case .error: return "error_code"
        }
    }

    private static func window(_ query: StatisticsQuery) -> String {
        let from = query.from.map { RowRendering.text($0) } ?? "the first send"
        return "\(from) to \(query.to.map { RowRendering.text($0) } ?? "now")"
    }

    static func percent(_ rate: Double) -> String {
        String(format: "%.1f%%", rate * 100)
    }

    /// 850ms, 4.2s, 3m12s, 2h05m: enough precision to compare groups at a glance.
    static func duration(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        let ms = millis.magnitude
        if ms < 1_000 { return "\(sign)\(ms)ms" }
        if ms < 60_000 { return sign + String(format: "%.1fs", Double(ms) / 1_000) }
        let seconds = ms / 1_000
        if seconds < 3_600 { return "\(sign)\(seconds / 60)m\(pad(seconds % 60))s" }
        return "\(sign)\(seconds / 3_600)h\(pad(seconds % 3_600 / 60))m"
    }

    private static func pad(_ value: UInt64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

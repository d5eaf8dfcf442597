import Foundation
import SMSLedgerCore
import SMSLedgerDaemon

enum RowRendering {
    /// RFC 3339 with milliseconds, UTC (`2026-12-03T17:20:51.123Z`), by hand: `export` writes
    /// millions of these, and an `ISO8601DateFormatter` per call cost more than the rest of a row
    /// (formatters are not Sendable, so one could not simply be shared).
    static func rfc3339(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let days = millis.floorDivided(by: 86_400_000)
        let ofDay = Int(millis - days * 86_400_000)
        let (year, month, day) = ProlepticGregorian.civilFromDays(Int(days))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = ofDay % 1000
        let fraction = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
        let yearText = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - "\(year)".count) + "\(year)" : "\(year)"
        return "\(yearText)-\(two(month))-\(two(day))T\(two(ofDay / 3_600_000)):\(two(ofDay / 60_000 % 60)):"
            + "\(two(ofDay / 1000 % 60)).\(fraction)Z"
    }

    /// JSON-ready value: dates as RFC 3339, bodies as UTF-8 text (base64 under `_base64` when not text).
    static func jsonValue(_ value: Any?) -> Any {
        switch value {
        case nil: return NSNull()
        case let date as Date: return rfc3339(date)
        case let data as Data: return String(data: data, encoding: .utf8) ?? data.base64EncodedString()
        case let some?: return some
        }
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case nil: return "-"
        case let date as Date: return rfc3339(date).replacingOccurrences(of: "T", with: " ")
        case let bool as Bool: return bool ? "yes" : "no"
        case let data as Data: return String(data: data, encoding: .utf8) ?? "<\(data.count) bytes>"
        case let some?: return "\(some)"
        }
    }

    static func jsonLines(_ rows: [OutputRow]) -> String {
        rows.map { row in
            var object: [String: Any] = [:]
            for (key, value) in row.fields { object[key] = jsonValue(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        }.joined()
    }

    /// A plain table sized to its content; long cells are cut with "…" so a row stays one line.
    static func table(_ rows: [OutputRow], columns: [String], maxCell: Int = 40) -> String {
        guard !rows.isEmpty else { return "(no rows)\n" }
        let cells = rows.map { row in
            columns.map { column in
                let value = text(row.fields.first { $0.0 == column }?.1 ?? nil)
                    .replacingOccurrences(of: "\n", with: " ")
                return value.count > maxCell ? String(value.prefix(maxCell - 1)) + "…" : value
            }
        }
        let widths = columns.indices.map { i in max(columns[i].count, cells.map { $0[i].count }.max() ?? 0) }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return line(columns.map { $0.uppercased() }) + cells.map(line).joined() + "(\(rows.count) rows)\n"
    }
}

extension FileOutput {
    static func write(_ text: String) { standardOutput(text) }
    static func writeError(_ text: String) { standardError(text) }
}

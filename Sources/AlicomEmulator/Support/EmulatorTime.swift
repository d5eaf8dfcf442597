import Foundation
import SMSLedgerCore

/// Milliseconds since the Unix epoch: the unit MNS uses on the wire (`EnqueueTime`, `NextVisibleTime`).
typealias EpochMillis = Int64

extension Date {
    var epochMillis: EpochMillis { EpochMillis((timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// Calendar arithmetic for the emulator's wire formats, without Foundation formatters.
///
/// Alibaba writes `ExpireTime`, `send_time`, `SendDate` as `yyyy-MM-dd HH:mm:ss` in UTC+8 with no zone
/// marker; the emulator must produce that whatever the host's zone is, and do it fast enough to
/// generate 200,000 receipts. Uses the days-from-civil algorithm (H. Hinnant), proleptic Gregorian.
enum EmulatorTime {
    static let beijingOffsetSeconds: Int64 = 8 * 3600

    /// `yyyy-MM-dd HH:mm:ss` in UTC+8.
    static func beijing(_ millis: EpochMillis) -> String {
        let (date, time) = components(seconds: millis.floorDivided(by: 1000) + beijingOffsetSeconds)
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2)) "
            + "\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2))"
    }

    /// `yyyyMMdd` of the UTC+8 calendar day (what `QuerySendDetails` calls `SendDate`).
    static func beijingDayStamp(_ millis: EpochMillis) -> String {
        let (date, _) = components(seconds: millis.floorDivided(by: 1000) + beijingOffsetSeconds)
        return "\(pad(date.year, 4))\(pad(date.month, 2))\(pad(date.day, 2))"
    }

    /// Day number (days since 1970-01-01) of the UTC+8 calendar day containing `millis`.
    static func beijingDayNumber(_ millis: EpochMillis) -> Int64 {
        (millis.floorDivided(by: 1000) + beijingOffsetSeconds).floorDivided(by: 86_400)
    }

    /// Parses `yyyyMMdd` into a day number; `nil` when malformed.
    static func dayNumber(stamp: String) -> Int64? {
        let digits = Array(stamp.utf8)
        guard digits.count == 8, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let year = Int64(stamp.prefix(4)), let month = Int64(stamp.dropFirst(4).prefix(2)),
              let day = Int64(stamp.suffix(2)), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return daysFromCivil(year: year, month: month, day: day)
    }

    /// Parses the RPC `Timestamp` (`yyyy-MM-ddTHH:mm:ssZ`, UTC); `nil` when malformed.
    static func parseRPCTimestamp(_ text: String) -> EpochMillis? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58,
              bytes[16] == 58, bytes[19] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            Int64(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000
    }

    /// Parses an RFC 1123 date (`Tue, 05 Mar 2024 06:07:08 GMT`) without a `DateFormatter`, which
    /// costs more to build than the rest of an MNS request; `nil` when it is not one.
    static func parseHTTPDate(_ text: String) -> EpochMillis? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT" || parts[5] == "UTC",
              let day = Int64(parts[1]), let year = Int64(parts[3]),
              let month = months.firstIndex(of: String(parts[2])).map({ Int64($0) + 1 }) else { return nil }
        let clock = parts[4].split(separator: ":")
        // Bounded year and non-negative fields: a crafted `Date` header must be refused, not overflow
        // the arithmetic below (which traps).
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
              (1...9999).contains(year), (1...31).contains(day), (0..<24).contains(hour), (0..<60).contains(minute),
              (0..<61).contains(second) else { return nil }
        return (daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000
    }

    /// RFC 2822 in UTC+8 (`Mon, 23 Nov 2026 16:00:00 +0800`): the `SendDate` / `ReceiveDate` of
    /// international receipts.
    static func rfc2822Beijing(_ millis: EpochMillis) -> String {
        let seconds = millis.floorDivided(by: 1000) + beijingOffsetSeconds
        let (date, time) = components(seconds: seconds)
        // 1970-01-01 was a Thursday (index 4 counting from Sunday).
        let weekday = Int((seconds.floorDivided(by: 86_400) + 4) % 7 + 7) % 7
        return "\(weekdays[weekday]), \(pad(date.day, 2)) \(months[Int(date.month) - 1]) \(pad(date.year, 4)) "
            + "\(pad(time.hour, 2)):\(pad(time.minute, 2)):\(pad(time.second, 2)) +0800"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        Int64(ProlepticGregorian.daysFromCivil(year: Int(year), month: Int(month), day: Int(day)))
    }

    private static func components(seconds: Int64)
        -> (date: (year: Int64, month: Int64, day: Int64), time: (hour: Int64, minute: Int64, second: Int64)) {
        let days = seconds.floorDivided(by: 86_400)
        let rest = seconds - days * 86_400
        let (year, month, day) = ProlepticGregorian.civilFromDays(Int(days))
        return ((Int64(year), Int64(month), Int64(day)), (rest / 3600, rest % 3600 / 60, rest % 60))
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

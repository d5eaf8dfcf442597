import Foundation
import SMSLedgerCore

/// RFC 1123 dates (`Tue, 05 Mar 2024 06:07:08 GMT`) and RPC timestamps written and read by hand.
///
/// A `DateFormatter` per request cost more than the rest of signing an MNS request (figures in
/// Benchmarks/README.md). The fields come from days-since-epoch arithmetic (H. Hinnant's
/// `civil_from_days`, proleptic Gregorian) with POSIX day and month names, so the text does not depend
/// on the host's zone or locale. Output is byte-identical to the POSIX `DateFormatter` it replaces
/// from 1583 on (before that ICU switches to the Julian calendar; no request carries such a date).
enum HTTPDate {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `EEE, dd MMM yyyy HH:mm:ss 'GMT'` of the UTC wall time of `date`.
    ///
    /// The instant is first rounded to the nearest millisecond, as the formatter did (CoreFoundation
    /// hands ICU `seconds * 1000 + 0.5`, which ICU floors), so 08.9996 s is written as `09`.
    static func format(_ date: Date) -> String {
        let millis = ((date.timeIntervalSinceReferenceDate + Date.timeIntervalBetween1970AndReferenceDate) * 1000
            + 0.5).rounded(.down)
        let fields = UTCFields(secondsSinceEpoch: (millis / 1000).rounded(.down))
        var text = ""
        text.reserveCapacity(29)
        text += weekdays[fields.weekday]
        text += ", "
        appendPadded(fields.day, width: 2, to: &text)
        text += " "
        text += months[fields.month - 1]
        text += " "
        appendPadded(fields.year, width: 4, to: &text)
        text += " "
        appendClock(fields, to: &text)
        text += " GMT"
        return text
    }

    /// `yyyy-MM-dd'T'HH:mm:ss'Z'` in UTC: the RPC `Timestamp` parameter. Fractions of a second are
    /// dropped, as `Calendar.dateComponents` did.
    static func rpcTimestamp(_ date: Date) -> String {
        let fields = UTCFields(secondsSinceEpoch: date.timeIntervalSince1970.rounded(.down))
        var text = ""
        text.reserveCapacity(20)
        appendPadded(fields.year, width: 4, to: &text)
        text += "-"
        appendPadded(fields.month, width: 2, to: &text)
        text += "-"
        appendPadded(fields.day, width: 2, to: &text)
        text += "T"
        appendClock(fields, to: &text)
        text += "Z"
        return text
    }

    /// Reads exactly `EEE, dd MMM yyyy HH:mm:ss GMT` (or `UTC`, which the emulator also accepts);
    /// `nil` for anything else, including impossible dates (Feb 30) and leap seconds. Like the old
    /// formatter, the weekday must be a day name but is not checked against the date.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[16] == UInt8(ascii: " "),
              bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"),
              [4, 7, 11, 25].allSatisfy({ bytes[$0] == UInt8(ascii: " ") }) else { return nil }
        func word(_ start: Int) -> String { String(decoding: bytes[start..<start + 3], as: UTF8.self) }
        func number(_ start: Int, _ width: Int) -> Int? {
            var value = 0
            for byte in bytes[start..<start + width] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard weekdays.contains(word(0)), ["GMT", "UTC"].contains(word(26)),
              let monthIndex = months.firstIndex(of: word(8)),
              let day = number(5, 2), let year = number(12, 4), let hour = number(17, 2),
              let minute = number(20, 2), let second = number(23, 2),
              year >= 1, (1...ProlepticGregorian.daysInMonth(year: year, month: monthIndex + 1)).contains(day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = ProlepticGregorian.daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    private static func appendClock(_ fields: UTCFields, to text: inout String) {
        appendPadded(fields.hour, width: 2, to: &text)
        text += ":"
        appendPadded(fields.minute, width: 2, to: &text)
        text += ":"
        appendPadded(fields.second, width: 2, to: &text)
    }

    /// Zero-padded decimal of a non-negative value (at least `width` digits).
    private static func appendPadded(_ value: Int, width: Int, to text: inout String) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > value, divisor > 1 {
            text.unicodeScalars.append("0")
            divisor /= 10
        }
        text += String(value)
    }
}

/// The UTC calendar fields of an instant given in whole seconds since the epoch.
struct UTCFields: Equatable {
    /// Years 1...9999: what a four-digit `yyyy` can write. Out-of-range or non-finite dates clamp to
    /// these ends rather than trapping; only our own clock feeds this.
    static let secondsRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 = Sunday.
    var weekday: Int

    /// `interval` is a whole number of seconds since 1970-01-01T00:00:00Z.
    init(secondsSinceEpoch interval: Double) {
        let seconds: Int64
        if interval.isNaN {
            seconds = 0
        } else if interval <= Double(Self.secondsRange.lowerBound) {
            seconds = Self.secondsRange.lowerBound
        } else if interval >= Double(Self.secondsRange.upperBound) {
            seconds = Self.secondsRange.upperBound
        } else {
            seconds = Int64(interval)
        }
        let days = Int(seconds.floorDivided(by: 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        (year, month, day) = ProlepticGregorian.civilFromDays(days)
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
        second = secondOfDay % 60
        let weekdayOffset = (days + 4) % 7  // 1970-01-01 was a Thursday
        weekday = weekdayOffset < 0 ? weekdayOffset + 7 : weekdayOffset
    }
}

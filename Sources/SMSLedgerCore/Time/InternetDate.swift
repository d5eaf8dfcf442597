import Foundation

/// The two zoned timestamp formats providers send besides Beijing wall time.
///
/// - RFC 2822 (`Thu, 25 Nov 2021 10:27:00 +0800`): Alibaba international SmsReport `SendDate`/`ReceiveDate`.
/// - ISO 8601 / RFC 3339 with optional fractional seconds (`2020-06-08T04:20:09.873298Z`): TeleSign
///   `status.updated_on`.
///
/// Both carry their own offset, so the host zone never matters. Hand-written for the same reasons as
/// ``BeijingTime``: no locale (English month names must parse on a host set to `zh_CN`), and strict
/// ranges.
public enum InternetDate {
    /// Parses `[Day, ]DD Mon YYYY HH:MM[:SS] zone`, where zone is `±HHMM`, `GMT`, `UT`, `UTC`, `Z`
    /// or one of the US zone names RFC 2822 keeps for old mail. Names are case-insensitive; the weekday,
    /// when present, must be a real weekday name but is not cross-checked against the date (the date
    /// is what we store).
    public static func rfc2822(_ text: String) -> Date? {
        var body = Substring(text).trimmingASCIIWhitespace()
        if let comma = body.firstIndex(of: ",") {
            let weekday = body[..<comma].trimmingASCIIWhitespace().lowercased()
            guard weekdays.contains(weekday) else { return nil }
            body = body[body.index(after: comma)...]
        }
        let parts = body.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 5,
              let day = asciiNumber(parts[0], digits: 1...2),
              let month = months.firstIndex(of: parts[1].lowercased()).map({ $0 + 1 }),
              let year = asciiNumber(parts[2], digits: 4...4),
              let (hour, minute, second) = clockTime(parts[3]),
              let offset = zoneOffset(parts[4])
        else { return nil }
        let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard civil.isValid else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(civil.secondsSinceEpochAsUTC - Int64(offset)))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM|±HH)`. A zone is required: a zoneless
    /// ISO time would silently mean "the host's zone", which is exactly what we refuse to depend on.
    /// `t`/`z` in lower case and a space instead of `T` (RFC 3339 allows both) are accepted.
    public static func iso8601(_ text: String) -> Date? {
        var scanner = TimestampScanner(text)
        let separators: [UInt8] = [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")]
        guard let civil = BeijingTime.scanDateTime(&scanner, separators: separators) else { return nil }
        var fraction: TimeInterval = 0
        if scanner.take(UInt8(ascii: ".")) || scanner.take(UInt8(ascii: ",")) {
            let digits = scanner.digitRun()
            guard !digits.isEmpty else { return nil }
            // Microseconds are the finest any provider sends; more digits are read but add nothing.
            let significant = digits.prefix(9)
            let value = significant.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            fraction = TimeInterval(value) / pow(10, TimeInterval(significant.count))
        }
        guard let offset = isoZoneOffset(&scanner), scanner.isAtEnd else { return nil }
        let whole = civil.secondsSinceEpochAsUTC - Int64(offset)
        return Date(timeIntervalSince1970: TimeInterval(whole) + fraction)
    }

    // MARK: - Pieces

    private static let weekdays: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun",
                                 "jul", "aug", "sep", "oct", "nov", "dec"]
    /// RFC 2822 §4.3 obsolete zones, in seconds east of UTC.
    private static let namedZones: [String: Int] = [
        "gmt": 0, "ut": 0, "utc": 0, "z": 0,
        "est": -5 * 3_600, "edt": -4 * 3_600, "cst": -6 * 3_600, "cdt": -5 * 3_600,
        "mst": -7 * 3_600, "mdt": -6 * 3_600, "pst": -8 * 3_600, "pdt": -7 * 3_600,
    ]

    private static func asciiNumber(_ text: Substring, digits: ClosedRange<Int>) -> Int? {
        var scanner = TimestampScanner(String(text))
        guard let value = scanner.digits(min: digits.lowerBound, max: digits.upperBound), scanner.isAtEnd
        else { return nil }
        return value
    }

    /// `HH:MM` or `HH:MM:SS`.
    private static func clockTime(_ text: Substring) -> (Int, Int, Int)? {
        var scanner = TimestampScanner(String(text))
        guard let hour = scanner.digits(2), scanner.take(UInt8(ascii: ":")), let minute = scanner.digits(2)
        else { return nil }
        var second = 0
        if scanner.take(UInt8(ascii: ":")) {
            guard let value = scanner.digits(2) else { return nil }
            second = value
        }
        return scanner.isAtEnd ? (hour, minute, second) : nil
    }

    /// `±HHMM` or a zone name, in seconds east of UTC.
    private static func zoneOffset(_ text: Substring) -> Int? {
        if let named = namedZones[text.lowercased()] { return named }
        var scanner = TimestampScanner(String(text))
        guard let sign = scanner.take(anyOf: [UInt8(ascii: "+"), UInt8(ascii: "-")]),
              let hours = scanner.digits(2), let minutes = scanner.digits(2), scanner.isAtEnd
        else { return nil }
        return signedOffset(sign: sign, hours: hours, minutes: minutes)
    }

    /// `Z`, `±HH:MM`, `±HHMM` or `±HH`, in seconds east of UTC.
    private static func isoZoneOffset(_ scanner: inout TimestampScanner) -> Int? {
        if scanner.take(anyOf: [UInt8(ascii: "Z"), UInt8(ascii: "z")]) != nil { return 0 }
        guard let sign = scanner.take(anyOf: [UInt8(ascii: "+"), UInt8(ascii: "-")]),
              let hours = scanner.digits(2)
        else { return nil }
        var minutes = 0
        if scanner.take(UInt8(ascii: ":")) {
            guard let value = scanner.digits(2) else { return nil }
            minutes = value
        } else if let value = scanner.digits(2) {
            minutes = value
        }
        return signedOffset(sign: sign, hours: hours, minutes: minutes)
    }

    private static func signedOffset(sign: UInt8, hours: Int, minutes: Int) -> Int? {
        guard (0...23).contains(hours), (0...59).contains(minutes) else { return nil }
        let magnitude = hours * 3_600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -magnitude : magnitude
    }
}

extension Substring {
    /// Trims spaces, tabs and line breaks only; Unicode spaces are not ours to forgive.
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}

/// Calendar arithmetic without `Calendar`, `TimeZone` or `DateFormatter`.
///
/// Provider timestamps come in three fixed shapes (Beijing wall time, RFC 2822, ISO 8601). Parsing them
/// by hand keeps the result independent of the host's zone and locale (a `DateFormatter` with a forgotten
/// `locale` or `timeZone` silently shifts every receipt by hours) and rejects out-of-range fields instead
/// of "lenient" rolling (Feb 30 → Mar 2).
struct CivilDateTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    /// Whether every field is inside its calendar range. Leap seconds (`:60`) are rejected: no provider
    /// we read sends them, and accepting one would only hide a malformed value.
    var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month)
            && (1...ProlepticGregorian.daysInMonth(year: year, month: month)).contains(day)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...59).contains(second)
    }

    /// Seconds since 1970-01-01T00:00:00Z, reading the fields as UTC wall time.
    var secondsSinceEpochAsUTC: Int64 {
        Int64(ProlepticGregorian.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3_600 + minute * 60 + second)
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The UTC wall time of an instant given as whole seconds since the epoch.
    init(secondsSinceEpoch seconds: Int64) {
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = ProlepticGregorian.civilFromDays(Int(days))
        self.init(year: year, month: month, day: day, hour: secondOfDay / 3_600,
                  minute: secondOfDay % 3_600 / 60, second: secondOfDay % 60)
    }
}

/// Day numbers of the proleptic Gregorian calendar (days since 1970-01-01), by Howard Hinnant's
/// algorithms: exact for every year, no Calendar or time zone involved. Shared by our timestamp
/// parsers, the HTTP `Date` header code and the emulator, so the arithmetic exists once.
public enum ProlepticGregorian {
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``daysFromCivil(year:month:day:)``.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Gregorian leap years. The provider timestamp parsers and the client's `Date` header parser
    /// refuse impossible days (Feb 30) through ``daysInMonth(year:month:)``.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, so instants before 1970 land on the right day
    /// (`-1 / 86_400` is 0 in Swift, but second -1 belongs to day -1).
    public func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// A cursor over ASCII bytes for the fixed-shape timestamp grammars.
///
/// Only ASCII digits count as digits: `Character.isNumber` would accept "٣" or "３", which no provider
/// sends and which would make "the same" timestamp parse in two spellings.
struct TimestampScanner {
    private let bytes: [UInt8]
    private(set) var index = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var isAtEnd: Bool { index == bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Exactly `count` ASCII digits as a number, or `nil` (and nothing consumed).
    mutating func digits(_ count: Int) -> Int? {
        digits(min: count, max: count)
    }

    /// Between `min` and `max` ASCII digits as a number, or `nil` (and nothing consumed).
    mutating func digits(min: Int, max: Int) -> Int? {
        var value = 0
        var taken = 0
        while taken < max, let byte = peek, byte.isASCIIDigit {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            index += 1
            taken += 1
        }
        if taken < min {
            index -= taken
            return nil
        }
        return value
    }

    /// Consumes `byte` if it is next.
    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Consumes the next byte if it is one of `choices`, returning it.
    mutating func take(anyOf choices: [UInt8]) -> UInt8? {
        guard let byte = peek, choices.contains(byte) else { return nil }
        index += 1
        return byte
    }

    /// The run of ASCII digits at the cursor, as text (for fractional seconds of any length).
    mutating func digitRun() -> [UInt8] {
        let start = index
        while let byte = peek, byte.isASCIIDigit { index += 1 }
        return Array(bytes[start..<index])
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}

/// Zero-padded decimal text, without `String(format:)` (which goes through the C locale machinery).
func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(abs(value))
    let padding = String(repeating: "0", count: max(0, width - digits.count))
    return (value < 0 ? "-" : "") + padding + digits
}

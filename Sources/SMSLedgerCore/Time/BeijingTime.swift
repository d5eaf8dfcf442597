import Foundation

/// Alibaba's wall-clock format: `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8) with no zone marker.
///
/// SmsReport `send_time`/`report_time`, SmsUp `send_time`, QuerySendDetails `SendDate`/`ReceiveDate`
/// and the MNS token's `ExpireTime` all use it, and QuerySendDetails wants the day of the send as
/// `yyyyMMdd` in the same zone. China has had no daylight saving time since 1991, so this is a fixed
/// offset: the host's zone (`TimeZone.current`) never enters, and a daemon running under
/// `TZ=America/Los_Angeles` reads the same instant as one running in Hangzhou.
public enum BeijingTime {
    /// UTC+8, in seconds.
    public static let utcOffsetSeconds: Int64 = 8 * 3_600

    /// The instant of a `yyyy-MM-dd HH:mm:ss` Beijing wall time, or `nil` if the text is not exactly
    /// that shape or a field is out of range (month 13, Feb 30, 24:00:00).
    public static func date(from text: String) -> Date? {
        var scanner = TimestampScanner(text)
        guard let civil = scanDateTime(&scanner, separators: [UInt8(ascii: " ")]), scanner.isAtEnd else {
            return nil
        }
        return Date(timeIntervalSince1970: TimeInterval(civil.secondsSinceEpochAsUTC - utcOffsetSeconds))
    }

    /// `yyyy-MM-dd HH:mm:ss` in Beijing time; fractions of a second are dropped (rounded down).
    public static func string(from date: Date) -> String {
        let c = civil(of: date)
        return "\(zeroPadded(c.year, width: 4))-\(zeroPadded(c.month, width: 2))-\(zeroPadded(c.day, width: 2)) "
            + "\(zeroPadded(c.hour, width: 2)):\(zeroPadded(c.minute, width: 2)):\(zeroPadded(c.second, width: 2))"
    }

    /// The Beijing calendar day of `date` as `yyyyMMdd`: the `SendDate` QuerySendDetails asks for.
    ///
    /// A send at 23:30 UTC belongs to the *next* day in Beijing; asking for the UTC day would find nothing.
    public static func sendDate(of date: Date) -> String {
        let c = civil(of: date)
        return zeroPadded(c.year, width: 4) + zeroPadded(c.month, width: 2) + zeroPadded(c.day, width: 2)
    }

    private static func civil(of date: Date) -> CivilDateTime {
        let interval = date.timeIntervalSince1970
        let seconds = interval.isNaN ? 0 : interval.rounded(.down)
        // Dates far outside any provider's range would trap on conversion; clamp them instead.
        let clamped = Int64(max(-62_135_596_800, min(253_402_300_799, seconds)))
        return CivilDateTime(secondsSinceEpoch: clamped + utcOffsetSeconds)
    }

    /// `yyyy-MM-dd<sep>HH:mm:ss`, validated. Shared with the ISO 8601 parser, which differs only in
    /// the separator and what follows.
    static func scanDateTime(_ scanner: inout TimestampScanner, separators: [UInt8]) -> CivilDateTime? {
        let dash = UInt8(ascii: "-")
        let colon = UInt8(ascii: ":")
        guard let year = scanner.digits(4), scanner.take(dash),
              let month = scanner.digits(2), scanner.take(dash),
              let day = scanner.digits(2), scanner.take(anyOf: separators) != nil,
              let hour = scanner.digits(2), scanner.take(colon),
              let minute = scanner.digits(2), scanner.take(colon),
              let second = scanner.digits(2)
        else { return nil }
        let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return civil.isValid ? civil : nil
    }
}

import Foundation
import Testing
@testable import SMSLedgerCore

/// Beijing wall time must mean the same instant on every host. Run this suite under both
/// `TZ=UTC swift test` and `TZ=America/Los_Angeles swift test`: the expected epoch values are absolute.
@Suite("Beijing time")
struct BeijingTimeTests {
    @Test("the SmsReport fixture's send_time is 2024-03-05T06:07:01Z whatever the host zone")
    func parsesKnownEpoch() throws {
        let date = try #require(BeijingTime.date(from: "2024-03-05 14:07:01"))
        #expect(date.timeIntervalSince1970 == 1_709_618_821)
    }

    @Test("parsing does not depend on the host zone: the result equals a fixed-offset formatter's")
    func agreesWithFixedOffsetFormatter() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3_600)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for text in ["2024-03-05 14:07:01", "2024-02-29 23:59:59", "2000-01-01 00:00:00", "1970-01-01 08:00:00"] {
            let ours = try #require(BeijingTime.date(from: text))
            let reference = try #require(formatter.date(from: text))
            #expect(ours == reference, "\(text)")
        }
    }

    @Test("midnight in Beijing is 16:00 UTC the previous day")
    func midnightCrossesTheUTCDay() throws {
        let date = try #require(BeijingTime.date(from: "2000-01-01 00:00:00"))
        #expect(date.timeIntervalSince1970 == 946_656_000)
    }

    @Test("formatting gives back the wall time that was parsed")
    func formatRoundTrips() throws {
        for text in ["2024-03-05 14:07:01", "2024-02-29 23:59:59", "1999-12-31 00:00:00", "2038-01-19 11:14:08"] {
            let date = try #require(BeijingTime.date(from: text))
            #expect(BeijingTime.string(from: date) == text)
        }
    }

    @Test("formatting drops fractions of a second instead of rounding up")
    func formatRoundsDown() {
        let date = Date(timeIntervalSince1970: 1_709_618_821.999)
        #expect(BeijingTime.string(from: date) == "2024-03-05 14:07:01")
    }

    @Test("formatting before 1970 lands on the right day")
    func formatsBeforeEpoch() {
        // 1969-12-31T15:59:59Z is 23:59:59 in Beijing.
        #expect(BeijingTime.string(from: Date(timeIntervalSince1970: -28_801)) == "1969-12-31 23:59:59")
    }

    @Test("the send date is the Beijing calendar day, not the UTC one")
    func sendDateUsesBeijingDay() {
        // 2024-03-05T23:30:00Z is already 6 March in Beijing.
        let lateUTC = Date(timeIntervalSince1970: 1_709_681_400)
        #expect(BeijingTime.sendDate(of: lateUTC) == "20240306")
        #expect(BeijingTime.sendDate(of: Date(timeIntervalSince1970: 1_709_618_821)) == "20240305")
    }

    @Test("out-of-range fields are rejected, not rolled over", arguments: [
        "2024-13-01 00:00:00", "2024-00-10 00:00:00", "2023-02-29 12:00:00", "2024-04-31 12:00:00",
        "2024-03-05 24:00:00", "2024-03-05 23:60:00", "2024-03-05 23:59:60", "0000-01-01 00:00:00",
    ])
    func rejectsOutOfRange(text: String) {
        #expect(BeijingTime.date(from: text) == nil)
    }

    @Test("February 29 is accepted in leap years only", arguments: [("2024-02-29 12:00:00", true),
                                                                  ("2000-02-29 12:00:00", true),
                                                                  ("1900-02-29 12:00:00", false)])
    func leapDay(text: String, valid: Bool) {
        #expect((BeijingTime.date(from: text) != nil) == valid)
    }

    @Test("anything but the exact shape is rejected", arguments: [
        "", "2024-03-05", "2024-03-05T14:07:01", "2024-3-5 14:07:01", "2024-03-05 14:07:01 ",
        " 2024-03-05 14:07:01", "2024-03-05 14:07:01.5", "2024-03-05 14:07", "2024/03/05 14:07:01",
        "２０２４-03-05 14:07:01", "2024-03-05 14:07:01+08:00",
    ])
    func rejectsOtherShapes(text: String) {
        #expect(BeijingTime.date(from: text) == nil)
    }
}

import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("RFC 2822 dates (international SmsReport)")
struct RFC2822DateTests {
    @Test("the documented SendDate is 2021-11-25T02:27:00Z")
    func parsesDocumentedExample() throws {
        let date = try #require(InternetDate.rfc2822("Thu, 25 Nov 2021 10:27:00 +0800"))
        #expect(date.timeIntervalSince1970 == 1_637_807_220)
    }

    @Test("the same instant in different spellings parses equal", arguments: [
        "Thu, 25 Nov 2021 02:27:00 GMT", "25 Nov 2021 02:27:00 +0000", "Thu, 25 Nov 2021 02:27 UT",
        "thu, 25 nov 2021 10:27:00 +0800", "Wed, 24 Nov 2021 21:27:00 -0500", "Wed, 24 Nov 2021 21:27:00 EST",
        "Thu,  25 Nov 2021 02:27:00 UTC", "Thu, 25 Nov 2021 02:27:00 Z",
    ])
    func equivalentSpellings(text: String) throws {
        let date = try #require(InternetDate.rfc2822(text))
        #expect(date.timeIntervalSince1970 == 1_637_807_220)
    }

    @Test("a single-digit day is accepted")
    func singleDigitDay() throws {
        let date = try #require(InternetDate.rfc2822("Fri, 5 Nov 2021 08:00:00 +0800"))
        #expect(date.timeIntervalSince1970 == 1_636_070_400)
    }

    @Test("malformed or out-of-range dates are rejected", arguments: [
        "", "Thu, 25 Nov 2021", "Thu, 31 Nov 2021 10:27:00 +0800", "Thu, 25 Foo 2021 10:27:00 +0800",
        "Xyz, 25 Nov 2021 10:27:00 +0800", "Thu, 25 Nov 21 10:27:00 +0800", "Thu, 25 Nov 2021 25:27:00 +0800",
        "Thu, 25 Nov 2021 10:27:00 +2400", "Thu, 25 Nov 2021 10:27:00 +08", "Thu, 25 Nov 2021 10:27:00 CET",
        "Thu, 25 Nov 2021 10:27:00", "2021-11-25T02:27:00Z",
    ])
    func rejectsMalformed(text: String) {
        #expect(InternetDate.rfc2822(text) == nil)
    }
}

@Suite("ISO 8601 dates (TeleSign updated_on)")
struct ISO8601DateTests {
    @Test("the seed's updated_on keeps its microseconds")
    func parsesFractionalSeconds() throws {
        let date = try #require(InternetDate.iso8601("2020-06-08T04:20:09.873298Z"))
        #expect(abs(date.timeIntervalSince1970 - 1_591_590_009.873298) < 1e-5)
    }

    @Test("whole seconds and offsets are accepted", arguments: [
        "2020-06-08T04:20:09Z", "2020-06-08T12:20:09+08:00", "2020-06-08T12:20:09+0800",
        "2020-06-08T00:20:09-04:00", "2020-06-08 04:20:09Z", "2020-06-08t04:20:09z", "2020-06-08T06:20:09+02",
    ])
    func acceptsOffsets(text: String) throws {
        let date = try #require(InternetDate.iso8601(text))
        #expect(date.timeIntervalSince1970 == 1_591_590_009)
    }

    @Test("a timestamp without a zone is rejected rather than read in the host zone")
    func rejectsZoneless() {
        #expect(InternetDate.iso8601("2020-06-08T04:20:09.873298") == nil)
    }

    @Test("malformed or out-of-range timestamps are rejected", arguments: [
        "", "2020-06-08", "2020-06-31T04:20:09Z", "2020-06-08T04:20:09.Z", "2020-06-08T04:61:09Z",
        "2020-06-08T04:20:09+25:00", "2020-06-08T04:20:09Zjunk", "2020-06-08 04:20",
    ])
    func rejectsMalformed(text: String) {
        #expect(InternetDate.iso8601(text) == nil)
    }
}

@testable import AlibabaCloud
import SMSLedgerCore
import Foundation
import Testing

/// The hand-written encoders that replaced Foundation formatters on the per-message path must write
/// exactly what the formatters wrote: these compare them with the old code, kept here as references.
@Suite("Hex, HTTP dates and trimming without Foundation formatters")
struct HotPathTextTests {
    // MARK: Hex

    @Test("every byte value encodes as String(format: %02x / %02X) did")
    func hexMatchesFormat() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.encode(all, uppercase: false) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.encode(all, uppercase: true) == all.map { String(format: "%02X", $0) }.joined())
    }

    @Test("no bytes encode as empty text")
    func hexEmpty() {
        #expect(Hex.encode([UInt8](), uppercase: true) == "")
    }

    @Test("MD5 hex digests keep their known values in both cases")
    func hexMD5KnownValues() {
        #expect(MNSSignature.hexMD5(Data(), uppercase: false) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MNSSignature.messageBodyMD5("SSBhbSDmtYvor5XlrZfnrKbkuLIu") == "A9B134C465C384F49EB89A6E3870D996")
    }

    // MARK: HTTP dates

    @Test("httpDate writes what the POSIX DateFormatter wrote, for 10,000 random instants and the edges")
    func httpDateMatchesFormatter() {
        let reference = Reference()
        var mismatches: [String] = []
        for date in Self.sampleDates() where MNSSignature.httpDate(date) != reference.httpDate(date) {
            mismatches.append("\(date.timeIntervalSince1970): \(MNSSignature.httpDate(date)) vs \(reference.httpDate(date))")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("the RPC Timestamp is what Calendar plus String(format:) wrote, for the same instants")
    func rpcTimestampMatchesCalendar() {
        let reference = Reference()
        let mismatches = Self.sampleDates().filter { RPCSignature.timestamp($0) != reference.rpcTimestamp($0) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).map(\.timeIntervalSince1970))")
    }

    @Test("a single-digit day is zero-padded and a leap day is written as such")
    func httpDateEdges() {
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: 1_709_618_828)) == "Tue, 05 Mar 2024 06:07:08 GMT")
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: 1_709_164_800)) == "Thu, 29 Feb 2024 00:00:00 GMT")
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: 946_684_799.999)) == "Fri, 31 Dec 1999 23:59:59 GMT")
        #expect(RPCSignature.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test("an out-of-range or non-finite date is clamped, not a crash")
    func httpDateClamps() {
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: .infinity)) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: -.infinity)) == "Mon, 01 Jan 0001 00:00:00 GMT")
        #expect(MNSSignature.httpDate(Date(timeIntervalSince1970: .nan)) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test("parseHTTPDate reads every written date back as the whole second that was written")
    func parseRoundTrips() {
        let failures = Self.sampleDates().filter { date in
            let text = MNSSignature.httpDate(date)
            guard let parsed = MNSSignature.parseHTTPDate(text) else { return true }
            return MNSSignature.httpDate(parsed) != text
                || parsed.timeIntervalSince1970 != parsed.timeIntervalSince1970.rounded(.down)
        }
        #expect(failures.isEmpty, "\(failures.prefix(5).map(\.timeIntervalSince1970))")
    }

    @Test("parseHTTPDate reads the SDK's form, with GMT or UTC, whatever the weekday name says")
    func parseKnownValues() {
        let expected = Date(timeIntervalSince1970: 1_709_618_828)
        #expect(MNSSignature.parseHTTPDate("Tue, 05 Mar 2024 06:07:08 GMT") == expected)
        #expect(MNSSignature.parseHTTPDate("Tue, 05 Mar 2024 06:07:08 UTC") == expected)
        #expect(MNSSignature.parseHTTPDate("Mon, 05 Mar 2024 06:07:08 GMT") == expected)
        #expect(MNSSignature.parseHTTPDate("Thu, 29 Feb 2024 23:59:59 GMT") == Date(timeIntervalSince1970: 1_709_251_199))
    }

    @Test("parseHTTPDate returns nil for anything but the exact form", arguments: [
        "", "Tue, 05 Mar 2024 06:07:08", "Tue, 5 Mar 2024 06:07:08 GMT", "Tue, 05 Mar 2024 06:07:08 PST",
        "Tue, 05 Mar 2024 06:07:08 GMT+8", "Xyz, 05 Mar 2024 06:07:08 GMT", "Tue, 05 Foo 2024 06:07:08 GMT",
        "Tue, 30 Feb 2024 06:07:08 GMT", "Tue, 29 Feb 2023 06:07:08 GMT", "Tue, 00 Mar 2024 06:07:08 GMT",
        "Tue, 05 Mar 2024 24:07:08 GMT", "Tue, 05 Mar 2024 06:60:08 GMT", "Tue, 05 Mar 2024 06:07:60 GMT",
        "Tue, 05 Mar 0000 06:07:08 GMT", "Tue; 05 Mar 2024 06:07:08 GMT", "Tue, 05 Mar 2024 06-07-08 GMT",
        "Tue, +5 Mar 2024 06:07:08 GMT", "2024-03-05T06:07:08Z", "Tue, 05 Mar 2024 06:07:08 GMT ",
    ])
    func parseRejects(text: String) {
        #expect(MNSSignature.parseHTTPDate(text) == nil)
    }

    // MARK: Trimming and case folding

    @Test("trimming agrees with trimmingCharacters(in:) for every BMP scalar at either end")
    func trimmingMatchesFoundation() {
        var mismatches: [UInt32] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "\(scalar)a \(scalar)b\(scalar)"
            if text.trimmingWhitespace() != text.trimmingCharacters(in: .whitespaces)
                || text.trimmingWhitespaceAndNewlines() != text.trimmingCharacters(in: .whitespacesAndNewlines) {
                mismatches.append(value)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10).map { String($0, radix: 16) })")
    }

    @Test("trimming keeps interior spaces and empties a blank text")
    func trimmingShapes() {
        #expect("\n  handle-1 x\r\n\t".trimmingWhitespaceAndNewlines() == "handle-1 x")
        #expect(" 2015-06-06\n".trimmingWhitespace() == "2015-06-06\n")
        #expect(" \n\t ".trimmingWhitespaceAndNewlines() == "")
        #expect("".trimmingWhitespace() == "")
        #expect("id-1".trimmingWhitespaceAndNewlines() == "id-1")
    }

    @Test("ASCII case folding matches caseInsensitiveCompare on digests and header names")
    func asciiCaseFolding() {
        let pairs = [("A9B134C465C384F49EB89A6E3870D996", "a9b134c465c384f49eb89a6e3870d996"),
                     ("x-mns-request-id", "X-MNS-Request-Id"), ("Content-MD5", "content-md5"),
                     ("A9B1", "A9B10"), ("abc", "abd"), ("", "")]
        for (lhs, rhs) in pairs {
            #expect(lhs.equalsIgnoringASCIICase(rhs) == (lhs.caseInsensitiveCompare(rhs) == .orderedSame), "\(lhs) \(rhs)")
        }
        #expect(!"é".equalsIgnoringASCIICase("É"))
    }

    // MARK: Samples and references

    /// 10,000 seeded random instants (years ~1600–2400, with fractions), plus day, month, year and
    /// leap-day boundaries and instants just before them.
    static func sampleDates() -> [Date] {
        var random = SeededGenerator(seed: 0x5EED_DA7E)
        var seconds: [Double] = (0..<10_000).map { index in
            let whole = Double(Int64.random(in: -11_676_096_000...13_569_465_600, using: &random))
            return index.isMultiple(of: 3) ? whole : whole + Double.random(in: 0..<1, using: &random)
        }
        let edges: [(Int, Int, Int)] = [(1970, 1, 1), (2000, 1, 1), (2000, 2, 29), (2000, 3, 1), (1900, 3, 1),
                                        (2024, 2, 29), (2024, 3, 1), (2100, 3, 1), (2038, 1, 19), (1969, 12, 31),
                                        (2024, 3, 5), (2024, 12, 31), (2025, 1, 1), (1600, 2, 29), (9999, 12, 31)]
        for (year, month, day) in edges {
            let start = Double(ProlepticGregorian.daysFromCivil(year: year, month: month, day: day) * 86_400)
            seconds += [start, start - 1, start - 0.000_001, start + 0.5, start + 86_399.999]
        }
        return seconds.map { Date(timeIntervalSince1970: $0) }
    }

    /// The code these replaced, verbatim apart from reusing one formatter.
    struct Reference {
        let formatter: DateFormatter = {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter
        }()

        func httpDate(_ date: Date) -> String { formatter.string(from: date) }

        func rpcTimestamp(_ date: Date) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                          c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        }
    }
}

import Foundation
import Testing
@testable import Parsers

@Suite("JSON parsing")
struct JSONValueTests {
    private func parse(_ text: String) throws(JSONValue.ParseError) -> JSONValue {
        try JSONValue.parse(Data(text.utf8))
    }

    /// The error `text` is rejected with, failing the test if it was accepted.
    private func rejection(_ bytes: Data) -> JSONValue.ParseError? {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bytes) }
    }

    private func rejection(_ text: String) -> JSONValue.ParseError? {
        rejection(Data(text.utf8))
    }

    private func number(_ literal: String) throws -> JSONNumber {
        guard case .number(let number) = try parse(literal) else {
            Issue.record("\(literal) did not parse as a number")
            throw CancellationError()
        }
        return number
    }

    // MARK: - Accepted documents

    @Test("a receipt body parses into its members, in document order")
    func receipt() throws {
        let value = try parse(#"{"biz_id":"1^0","success":true,"sms_size":"1","out_id":null,"n":[1,{"a":"b"}]}"#)
        let expected: JSONObject = [
            "biz_id": .string("1^0"), "success": .bool(true), "sms_size": .string("1"), "out_id": .null,
            "n": .array([.number(JSONNumber(literal: "1")), .object(["a": .string("b")])]),
        ]
        #expect(value == .object(expected))
    }

    @Test("any value is accepted at the top level", arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)),
        ("-12.5e3", .number(JSONNumber(literal: "-12.5e3"))), (#""x""#, .string("x")), ("[]", .array([])),
        ("{}", .object([:])),
    ])
    func topLevelScalars(text: String, expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test("the four JSON whitespace characters are skipped around and between tokens")
    func whitespace() throws {
        #expect(try parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] }\r\n ") == .object([
            "a": .array([.number(JSONNumber(literal: "1")), .number(JSONNumber(literal: "2"))]),
        ]))
    }

    @Test("a UTF-8 byte-order mark at the start is skipped, as JSONSerialization skips it")
    func byteOrderMark() throws {
        #expect(try JSONValue.parse(Data([0xEF, 0xBB, 0xBF]) + Data(#"{"a":1}"#.utf8))
            == .object(["a": .number(JSONNumber(literal: "1"))]))
    }

    @Test("a byte-order mark anywhere but the start is an error")
    func secondByteOrderMark() {
        let bom = Data([0xEF, 0xBB, 0xBF])
        #expect(rejection(bom + bom + Data("{}".utf8)) == .syntax("unexpected '\u{FEFF}'", offset: 3))
    }

    @Test("with a duplicate key the last value wins")
    func duplicateKeys() throws {
        guard case .object(let object) = try parse(#"{"a":1,"b":true,"a":"last"}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(object["a"] == .string("last"))
        #expect(object.keys == ["a", "b"])
    }

    // MARK: - Strings and escapes

    @Test("every simple escape decodes", arguments: [
        (#""\"""#, "\""), (#""\\""#, "\\"), (#""\/""#, "/"), (#""\b""#, "\u{08}"), (#""\f""#, "\u{0C}"),
        (#""\n""#, "\n"), (#""\r""#, "\r"), (#""\t""#, "\t"), (#""a\u0041b""#, "aAb"), (#""\u00e9\u00C9""#, "éÉ"),
        (#""\u7528\u6237""#, "用户"), (#""\u0000""#, "\u{0}"), (#""退订 stays as is""#, "退订 stays as is"),
    ])
    func escapes(text: String, expected: String) throws {
        #expect(try parse(text) == .string(expected))
    }

    @Test("a surrogate pair escape is one character")
    func surrogatePair() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""x\uD83D\uDE00y""#) == .string("x😀y"))
    }

    @Test("a surrogate without its partner is rejected", arguments: [
        (#""\ud83d""#, "\\uD83D"), (#""\ud83dx""#, "\\uD83D"), (#""\ud83d\ud83d""#, "\\uD83D"),
        (#""\ud83d\u0041""#, "\\uD83D"), (#""\ude00""#, "\\uDE00"), (#""\ude00\ud83d""#, "\\uDE00"),
    ])
    func loneSurrogate(text: String, unit: String) {
        #expect(rejection(text) == .syntax("unpaired surrogate \(unit)", offset: 1))
    }

    @Test("unknown escapes and short or non-hex \\u escapes are rejected")
    func invalidEscapes() {
        #expect(rejection(#""\x""#) == .syntax("invalid escape character 'x'", offset: 1))
        #expect(rejection(#""\'""#) == .syntax("invalid escape character '''", offset: 1))
        #expect(rejection(#""\u00g0""#) == .syntax(#"invalid \u escape"#, offset: 1))
        #expect(rejection(#""ab\u12""#) == .syntax(#"invalid \u escape"#, offset: 3))
        #expect(rejection(#""\u12"#) == .syntax("unexpected end of input", offset: 5))
    }

    @Test("a bare control character inside a string is rejected", arguments: [0x00, 0x09, 0x0A, 0x0D, 0x1F] as [UInt8])
    func bareControlCharacter(byte: UInt8) {
        let hex = String(byte, radix: 16, uppercase: true)
        let name = hex.count == 1 ? "0" + hex : hex
        #expect(rejection(Data([0x22, 0x61, byte, 0x22]))
            == .syntax("unescaped control character 0x\(name) in string", offset: 2))
    }

    @Test("DEL and other non-control characters may appear unescaped")
    func unescapedNonControl() throws {
        #expect(try JSONValue.parse(Data([0x22, 0x7F, 0x22])) == .string("\u{7F}"))
        #expect(try parse("\"\u{2028}é😀\"") == .string("\u{2028}é😀"))
    }

    // MARK: - Numbers

    @Test("a number keeps its literal text")
    func numberLiteral() throws {
        #expect(try number("-0.50e+03").literal == "-0.50e+03")
        #expect(try number("1e3").doubleValue == 1000)
    }

    @Test("integral text is exact without an exponent and read through Double with one", arguments: [
        ("1234567890123456789", "1234567890123456789"), ("12345678901234567890", "12345678901234567890"),
        ("-9223372036854775809", "-9223372036854775809"), ("1234567890.0", "1234567890"), ("1234567890", "1234567890"),
        ("1234567890123456789.000", "1234567890123456789"), ("0", "0"), ("-0", "0"), ("-0.0", "0"), ("-7", "-7"),
        ("1e3", "1000"), ("1E+3", "1000"), ("1.5e1", "15"), ("100e-2", "1"), ("1.23456789E9", "1234567890"),
    ])
    func integralText(literal: String, text: String) throws {
        #expect(try number(literal).integralText == text)
    }

    @Test("a long integer reads as the correctly rounded Double (Foundation's Decimal path lands ulps away; fuzz finding)")
    func longIntegerRounding() throws {
        let literal = "-" + String(repeating: "2", count: 47)
        #expect(try number(literal).doubleValue == -2.222222222222222e+46)
        #expect(try number(literal).doubleValue == Double(literal))
    }

    @Test("trailing commas and UTF-32 text, which Linux JSONSerialization reads, are refused (fuzz findings)")
    func foundationLeniencies() {
        #expect(rejection(#"{"a":1,}"#) == .syntax("unexpected '}'", offset: 7))
        #expect(rejection("[1,\n]") != nil)
        #expect(rejection(Data([0x33, 0, 0, 0])) == .syntax("unexpected byte 0x00", offset: 1))
    }

    @Test("fractions, and exponent forms a Double cannot hold as an Int64, are not integral", arguments: [
        "1.5", "-0.25", "12345678901234567.5", "1e-3", "1.5e0", "9e18", "-9.5e18", "1e300",
    ])
    func notIntegral(literal: String) throws {
        #expect(try number(literal).integralText == nil)
    }

    @Test("malformed numbers are rejected", arguments: [
        ("01", JSONValue.ParseError.syntax("leading zero in number", offset: 0)),
        ("-01", .syntax("leading zero in number", offset: 1)),
        ("[00]", .syntax("leading zero in number", offset: 1)),
        ("-", .syntax("unexpected end of input", offset: 1)), ("[-]", .syntax("unexpected ']'", offset: 2)),
        ("+1", .syntax("unexpected '+'", offset: 0)), (".5", .syntax("unexpected '.'", offset: 0)),
        ("1.", .syntax("unexpected end of input", offset: 2)), ("1.e3", .syntax("unexpected 'e'", offset: 2)),
        ("1e", .syntax("unexpected end of input", offset: 2)), ("1e+", .syntax("unexpected end of input", offset: 3)),
        ("0x10", .syntax("unexpected 'x'", offset: 1)),
        ("1e400", .syntax("number out of range", offset: 0)), ("[-1e400]", .syntax("number out of range", offset: 1)),
    ])
    func malformedNumbers(text: String, error: JSONValue.ParseError) {
        #expect(rejection(text) == error)
    }

    @Test("NaN and Infinity are not JSON", arguments: ["NaN", "Infinity", "-Infinity", "[nan]"])
    func nonFinite(text: String) {
        #expect(rejection(text) != nil)
    }

    // MARK: - Structure

    @Test("structural errors name the byte where the document went wrong", arguments: [
        ("", JSONValue.ParseError.syntax("unexpected end of input", offset: 0)),
        ("   ", .syntax("unexpected end of input", offset: 3)),
        (#"{"a":1}x"#, .syntax("unexpected 'x'", offset: 7)), ("1 2", .syntax("unexpected '2'", offset: 2)),
        ("[1,]", .syntax("unexpected ']'", offset: 3)), (#"{"a":1,}"#, .syntax("unexpected '}'", offset: 7)),
        ("[,1]", .syntax("unexpected ','", offset: 1)), ("[1 2]", .syntax("unexpected '2'", offset: 3)),
        ("{a:1}", .syntax("unexpected 'a'", offset: 1)), ("{'a':1}", .syntax("unexpected '''", offset: 1)),
        (#"{"a" 1}"#, .syntax("unexpected '1'", offset: 5)), (#"{"a":}"#, .syntax("unexpected '}'", offset: 5)),
        (#"{"a":1"#, .syntax("unexpected end of input", offset: 6)), (#"{"a":"b"#, .syntax("unexpected end of input", offset: 7)),
        ("// c\n{}", .syntax("unexpected '/'", offset: 0)), (#"{"a":/* c */1}"#, .syntax("unexpected '/'", offset: 5)),
        ("tru", .syntax("unexpected end of input", offset: 3)), ("True", .syntax("unexpected 'T'", offset: 0)),
        ("nulL", .syntax("unexpected 'L'", offset: 3)), ("{退}", .syntax("unexpected '退'", offset: 1)),
        ("\u{A0}{}", .syntax("unexpected '\u{A0}'", offset: 0)),
    ])
    func structuralErrors(text: String, error: JSONValue.ParseError) {
        #expect(rejection(text) == error)
    }

    @Test("a NUL byte outside a string is named by its code, not printed")
    func nulOutsideString() {
        #expect(rejection(Data([0x7B, 0x00, 0x7D])) == .syntax("unexpected byte 0x00", offset: 1))
        // UTF-16 text is not UTF-8 JSON, even when every byte is valid UTF-8.
        #expect(rejection(Data([0x7B, 0x00, 0x7D, 0x00])) == .syntax("unexpected byte 0x00", offset: 1))
    }

    @Test("nesting is limited to 64 levels")
    func depthLimit() throws {
        let deepest = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect((try? parse(deepest)) != nil)
        let tooDeep = "[" + deepest + "]"
        #expect(rejection(tooDeep) == .syntax("nesting deeper than 64 levels", offset: 64))
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(rejection(objects) == .syntax("nesting deeper than 64 levels", offset: 320))
    }

    @Test("hostile nesting far beyond the limit is an error, not a stack overflow")
    func hostileNesting() {
        #expect(rejection(String(repeating: "[", count: 1_000_000)) != nil)
        #expect(rejection(String(repeating: #"{"a":["#, count: 100_000)) != nil)
    }

    // MARK: - UTF-8

    @Test("broken UTF-8 is reported as such, even after an earlier syntax error", arguments: [
        [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE9, 0x80], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
        [0x7D, 0x7D, 0xFF], [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        #expect(rejection(Data(bytes)) == .invalidUTF8)
        #expect(!bytes.withUnsafeBytes { UTF8Check.isValid($0) })
    }

    @Test("well-formed UTF-8 of every length passes the check, also past the eight-byte fast path")
    func validUTF8() {
        let text = "ascii only, longer than eight bytes; é ß 退订 😀 \u{10FFFF} \u{7F}"
        #expect(Array(text.utf8).withUnsafeBytes { UTF8Check.isValid($0) })
        #expect([UInt8]().withUnsafeBytes { UTF8Check.isValid($0) })
    }

    // MARK: - Writing

    @Test("serialised rows are compact, sorted by key bytes, and escaped like JSONSerialization")
    func serialised() throws {
        let value = try parse(#"{"b":"x/y\"z\\\n\t\u0001\u007f退😀","SMS":1.50,"a":[true,null,{}],"Send":-0}"#)
        let text = String(decoding: value.serialised(), as: UTF8.self)
        #expect(text == #"{"SMS":1.50,"Send":-0,"a":[true,null,{}],"b":"x/y\"z\\\n\t\u0001"# + "\u{7F}退😀\"}")
    }

    @Test("writing keeps only the winning value of a duplicate key, and parses back to the same members")
    func serialisedRoundTrip() throws {
        let value = try parse(#"{"k":1,"k":2,"s":"\b\f\r\u001f"}"#)
        let again = try JSONValue.parse(value.serialised())
        #expect(String(decoding: value.serialised(), as: UTF8.self) == #"{"k":2,"s":"\b\f\r\u001f"}"#)
        #expect(again == .object(["k": .number(JSONNumber(literal: "2")), "s": .string("\u{8}\u{C}\r\u{1F}")]))
    }

    @Test("escapes at either end, back to back and alone; the plain runs between them are copied whole", arguments: [
        ("", #""""#), ("plain", #""plain""#), ("\"", #""\"""#), ("\n\u{1}", #""\n\u0001""#),
        ("\"abc 退订\\", #""\"abc 退订\\""#), ("a\tb\tc", #""a\tb\tc""#),
    ])
    func escapedRuns(text: String, expected: String) {
        #expect(String(decoding: JSONValue.string(text).serialised(), as: UTF8.self) == expected)
        var writer = JSONObjectWriter()
        writer.string("k", text)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"k":"# + expected + "}")
    }
}

import Foundation
import Testing
@testable import SMSLedgerCore

/// JSONFields: the typed, error-reporting view the normalisers take of a parsed body (the parser itself
/// is specified in ParsersTests).
@Suite("JSON fields")
struct JSONFieldsTests {
    @Test("with a duplicate key the last value wins")
    func duplicateKeys() throws {
        let fields = try JSONFields.parse(Data(#"{"code":1,"code":"2"}"#.utf8))
        #expect(try fields.string("code") == "2")
    }

    @Test("a big integer identifier keeps every digit")
    func bigIdentifier() throws {
        let fields = try JSONFields.parse(Data(#"{"id":1234567890123456789,"ts":1234567890.0,"f":1.5}"#.utf8))
        #expect(try fields.identifier("id") == "1234567890123456789")
        #expect(try fields.integer("id") == 1_234_567_890_123_456_789)
        #expect(try fields.identifier("ts") == "1234567890")
        #expect(throws: NormalisationError(.wrongType(field: "f", expected: "a string or an integer"))) {
            try fields.identifier("f")
        }
    }

    @Test("a syntax error becomes badJSON with the position as its detail")
    func badJSONDetail() {
        #expect(throws: NormalisationError(.badJSON, detail: "unexpected '}' at byte 16")) {
            try JSONFields.parse(Data(#"{"biz_id":"1^0",}"#.utf8))
        }
    }

    @Test("size, then UTF-8, then syntax, then object: each failure keeps its own kind")
    func checkOrder() {
        let tooLarge = Data(repeating: 0xFF, count: 11)
        #expect(throws: NormalisationError(.bodyTooLarge(bytes: 11, limit: 10))) { try JSONFields.parse(tooLarge, limit: 10) }
        #expect(throws: NormalisationError(.invalidUTF8)) { try JSONFields.parse(Data([0x7D, 0xFF])) }
        #expect(throws: NormalisationError(.notAnObject)) { try JSONFields.parse(Data("[]".utf8)) }
    }
}

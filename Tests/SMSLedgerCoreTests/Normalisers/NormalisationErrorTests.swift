import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("Normalisation errors and JSON typing")
struct NormalisationErrorTests {
    @Test("no normalisation error is retryable: the input will fail the same way again")
    func notRetryable() {
        #expect(!NormalisationError(.badJSON).isRetryable)
        #expect(!NormalisationError(.bodyTooLarge(bytes: 1, limit: 0)).isRetryable)
    }

    @Test("reasons are readable sentences naming the field", arguments: [
        (NormalisationError.Kind.missingField("biz_id"), "required field 'biz_id' is missing or empty"),
        (.wrongType(field: "success", expected: "a boolean"), "field 'success' should be a boolean"),
        (.bodyTooLarge(bytes: 70_000, limit: 65_536), "body is 70000 bytes, over the 65536-byte limit"),
        (.badTime(field: "send_time", value: "x"), "field 'send_time' has an invalid time 'x'"),
        (.invalidUTF8, "body is not valid UTF-8"),
    ])
    func reasons(kind: NormalisationError.Kind, text: String) {
        #expect(NormalisationError(kind).reason == text)
        #expect(NormalisationError(kind).description == text)
    }

    @Test("the parser's detail is appended to the reason")
    func detailAppended() {
        #expect(NormalisationError(.badJSON, detail: "Unexpected end").reason == "body is not valid JSON: Unexpected end")
    }

    @Test("JSON true and false are booleans; 1 and 0 are not", arguments: [
        ("true", true), ("false", true), ("1", false), ("0", false), ("1.0", false), (#""true""#, false),
    ])
    func booleanDetection(raw: String, isBoolean: Bool) throws {
        let fields = try JSONFields.parse(Data(#"{"v":\#(raw)}"#.utf8))
        #expect(((try? fields.bool("v")) != nil) == isBoolean)
    }

    @Test("a real JSON boolean is read; the number 1 is a type error")
    func boolVersusNumber() throws {
        let fields = try JSONFields.parse(Data(#"{"yes":true,"no":false,"one":1}"#.utf8))
        #expect(try fields.requiredBool("yes") == true)
        #expect(try fields.requiredBool("no") == false)
        #expect(throws: NormalisationError(.wrongType(field: "one", expected: "a boolean"))) {
            try fields.requiredBool("one")
        }
    }

    @Test("integers are not read from booleans")
    func integerNotFromBoolean() throws {
        let fields = try JSONFields.parse(Data(#"{"flag":true,"big":12345678901234567890}"#.utf8))
        #expect(throws: NormalisationError.self) { try fields.integer("flag") }
        #expect(try fields.identifier("big") == "12345678901234567890")
    }

    @Test("overlong UTF-8 encodings are rejected")
    func overlongUTF8() {
        // 0xC0 0xAF is an overlong "/", a classic filter bypass.
        #expect(!JSONFields.isValidUTF8(Data([0x7B, 0xC0, 0xAF, 0x7D])))
        #expect(JSONFields.isValidUTF8(Data("{\"a\":\"退订\"}".utf8)))
    }
}

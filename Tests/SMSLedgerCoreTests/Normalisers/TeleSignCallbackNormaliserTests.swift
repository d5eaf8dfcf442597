import Foundation
import Testing
@testable import SMSLedgerCore

/// One row of the status model's TeleSign table, written out independently of the source table so a
/// typo in either shows up.
struct TeleSignRow: Sendable, CustomTestStringConvertible {
    var code: Int
    var state: DeliveryState
    var isFinal: Bool
    var retryable: Bool?
    var testDescription: String { String(code) }
}

private let expectedTable: [TeleSignRow] = [
    .init(code: 200, state: .delivered, isFinal: true), .init(code: 203, state: .pending, isFinal: false),
    .init(code: 207, state: .failed, isFinal: true, retryable: false),
    .init(code: 210, state: .failed, isFinal: true, retryable: true),
    .init(code: 211, state: .failed, isFinal: true, retryable: false),
    .init(code: 220, state: .failed, isFinal: true, retryable: false),
    .init(code: 221, state: .expired, isFinal: true, retryable: true),
    .init(code: 222, state: .failed, isFinal: true, retryable: false),
    .init(code: 229, state: .failed, isFinal: true, retryable: false),
    .init(code: 230, state: .failed, isFinal: true, retryable: false),
    .init(code: 231, state: .failed, isFinal: true, retryable: false),
    .init(code: 234, state: .failed, isFinal: true, retryable: false),
    .init(code: 237, state: .failed, isFinal: true, retryable: false),
    .init(code: 238, state: .failed, isFinal: true, retryable: false),
    .init(code: 250, state: .unknown, isFinal: true),
    .init(code: 286, state: .failed, isFinal: true, retryable: false),
    .init(code: 290, state: .pending, isFinal: false), .init(code: 292, state: .pending, isFinal: false),
    .init(code: 295, state: .pending, isFinal: false),
    .init(code: 500, state: .failed, isFinal: true, retryable: false),
    .init(code: 502, state: .failed, isFinal: true, retryable: false),
    .init(code: 503, state: .failed, isFinal: true, retryable: true),
    .init(code: 504, state: .failed, isFinal: true, retryable: false),
    .init(code: 505, state: .failed, isFinal: true, retryable: true),
    .init(code: 506, state: .failed, isFinal: true, retryable: false),
    .init(code: 507, state: .failed, isFinal: true, retryable: false),
    .init(code: 508, state: .failed, isFinal: true, retryable: false),
    .init(code: 510, state: .failed, isFinal: true, retryable: false),
    .init(code: 511, state: .failed, isFinal: true, retryable: true),
    .init(code: 512, state: .failed, isFinal: true, retryable: true),
    .init(code: 513, state: .failed, isFinal: true, retryable: false),
    .init(code: 514, state: .failed, isFinal: true, retryable: true),
    .init(code: 515, state: .failed, isFinal: true, retryable: false),
    .init(code: 599, state: .unknown, isFinal: false),
]

@Suite("TeleSign callbacks")
struct TeleSignCallbackNormaliserTests {
    private func normalise(_ json: String) throws -> Normalised<DeliveryReceipt> {
        try TeleSignCallbackNormaliser.normalise(body: Data(json.utf8))
    }

    @Test("the table has exactly the 34 codes of the status model")
    func tableIsComplete() {
        #expect(TeleSignStatusCode.table.count == 34)
        #expect(Set(TeleSignStatusCode.table.keys) == Set(expectedTable.map(\.code)))
    }

    @Test("every code normalises to the state, finality and retryability of the status model",
          arguments: expectedTable)
    func everyCode(row: TeleSignRow) throws {
        let result = try normalise(Fixtures.teleSignCallback(code: String(row.code)))
        let status = result.value.status
        #expect(status.state == row.state)
        #expect(status.isFinal == row.isFinal)
        #expect(status.retryable == row.retryable)
        #expect(result.value.providerCode == String(row.code))
        #expect(result.value.providerText == TeleSignStatusCode.table[row.code]?.text)
        #expect(result.warnings.isEmpty)
    }

    @Test("the status-model example becomes a delivered TeleSign receipt")
    func documentedExample() throws {
        let receipt = try normalise(Fixtures.teleSignCallback).value
        #expect(receipt.provider == .telesign)
        #expect(receipt.source == .httpCallback)
        #expect(receipt.bizId == "65CA48A0752012689190921055936659")
        #expect(receipt.outId == "5122f7d8a93f11ea8b6700163e02db87")
        #expect(receipt.phoneNumber == nil)
        #expect(receipt.status == .delivered)
        #expect(receipt.providerText == "Delivered to handset")
        #expect(receipt.rawBody == Data(Fixtures.teleSignCallback.utf8))
    }

    @Test("the report time is read from updated_on and from the seed's 'updated on'",
          arguments: ["updated_on", "updated on"])
    func updatedOnSpellings(key: String) throws {
        let receipt = try normalise(Fixtures.teleSignCallback(code: "200", updatedKey: key)).value
        let reported = try #require(receipt.reportedAt)
        #expect(abs(reported.timeIntervalSince1970 - 1_591_590_009.873298) < 1e-5)
    }

    @Test("a callback without any timestamp has no report time")
    func noTimestamp() throws {
        let json = #"{"reference_id":"R1","status":{"code":200}}"#
        #expect(try normalise(json).value.reportedAt == nil)
    }

    @Test("the code may be numeric text")
    func codeAsText() throws {
        #expect(try normalise(Fixtures.teleSignCallback(code: #""203""#)).value.status == .pending)
    }

    @Test("an unknown code is unknown, not final, keeps the code and says it was unknown")
    func unknownCode() throws {
        let result = try normalise(Fixtures.teleSignCallback(code: "777"))
        #expect(result.value.status == DeliveryStatus(state: .unknown, isFinal: false))
        #expect(result.value.providerCode == "777")
        #expect(result.unknownStatusCode == "777")
        #expect(result.warnings == [.unknownStatusCode(provider: .telesign, code: "777")])
    }

    @Test("the provider's own description wins over the table text")
    func providerDescriptionKept() throws {
        let json = #"{"reference_id":"R1","status":{"code":210,"description":"Handset busy"}}"#
        #expect(try normalise(json).value.providerText == "Handset busy")
    }

    @Test("a missing reference_id is rejected")
    func missingReference() {
        let error = #expect(throws: NormalisationError.self) { try normalise(#"{"status":{"code":200}}"#) }
        #expect(error?.kind == .missingField("reference_id"))
    }

    @Test("a missing status object is rejected")
    func missingStatus() {
        let error = #expect(throws: NormalisationError.self) { try normalise(#"{"reference_id":"R1"}"#) }
        #expect(error?.kind == .missingField("status"))
    }

    @Test("a missing code is named with its path")
    func missingCode() {
        let error = #expect(throws: NormalisationError.self) {
            try normalise(#"{"reference_id":"R1","status":{"description":"x"}}"#)
        }
        #expect(error?.kind == .missingField("status.code"))
    }

    @Test("a code that is not an integer is a type error", arguments: ["true", "200.5", #""2xx""#, "[200]"])
    func codeWrongType(raw: String) {
        let error = #expect(throws: NormalisationError.self) { try normalise(Fixtures.teleSignCallback(code: raw)) }
        #expect(error?.kind == .wrongType(field: "status.code", expected: "an integer or integer text"))
    }

    @Test("status that is not an object is notAnObject")
    func statusNotObject() {
        let error = #expect(throws: NormalisationError.self) { try normalise(#"{"reference_id":"R1","status":200}"#) }
        #expect(error?.kind == .notAnObject)
    }

    @Test("an unparseable updated_on is rejected")
    func badUpdatedOn() {
        let json = #"{"reference_id":"R1","status":{"code":200,"updated_on":"yesterday"}}"#
        let error = #expect(throws: NormalisationError.self) { try normalise(json) }
        #expect(error?.kind == .badTime(field: "status.updated_on", value: "yesterday"))
    }

    @Test("invalid UTF-8 in a callback is invalidUTF8")
    func invalidUTF8() {
        var body = Data(#"{"reference_id":""#.utf8)
        body.append(contentsOf: [0xED, 0xA0, 0x80]) // an encoded surrogate: never valid UTF-8
        body.append(contentsOf: Data(#"","status":{"code":200}}"#.utf8))
        let error = #expect(throws: NormalisationError.self) { try TeleSignCallbackNormaliser.normalise(body: body) }
        #expect(error?.kind == .invalidUTF8)
    }

    @Test("an unreadable callback becomes a quarantine entry with the body as received")
    func quarantine() {
        let body = Data(#"{"reference_id":"R1"#.utf8)
        let result = TeleSignCallbackNormaliser.event(body: body, context: "remote=127.0.0.1")
        guard case .quarantine(let entry) = result.value else {
            Issue.record("expected quarantine, got \(result.value)")
            return
        }
        #expect(entry.rawBody == body)
        #expect(entry.source == .httpCallback)
        #expect(entry.reason.hasPrefix("body is not valid JSON"))
        #expect(entry.context == "remote=127.0.0.1")
    }
}

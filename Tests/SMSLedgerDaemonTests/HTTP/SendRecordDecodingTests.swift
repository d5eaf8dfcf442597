import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// The JSON shape of a send (POST /v1/sends, `smsledger track --file`) and the bulk import.
@Suite("Send records and imports")
struct SendRecordDecodingTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func decode(_ json: String) throws(SendRecordError) -> [SendRecord] {
        try SendRecordDecoding.requestBody(Data(json.utf8), now: now)
    }

    static func error(_ json: String) -> SendRecordError? {
        do {
            _ = try decode(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func sentAtDefaultsToNowAndProviderToAlibaba() throws {
        let record = try #require(try Self.decode(#"{"biz_id":"b","phone_number":"13800000000"}"#).first)
        #expect(record.provider == .alibaba)
        #expect(record.sentAt == Self.now)
    }

    @Test func rfc3339AndBeijingTimesNameTheSameInstant() throws {
        let iso = try Self.decode(#"{"biz_id":"b","phone_number":"13800000000","sent_at":"2026-11-23T08:00:00Z"}"#)
        let beijing = try Self.decode(#"{"biz_id":"b","phone_number":"13800000000","sent_at":"2026-11-23 16:00:00"}"#)
        #expect(iso.first?.sentAt == beijing.first?.sentAt)
    }

    @Test func teleSignSendNeedsNoPhone() throws {
        let record = try #require(try Self.decode(#"{"provider":"telesign","biz_id":"ref"}"#).first)
        #expect(record.provider == .telesign)
        #expect(record.phoneNumber == nil)
    }

    @Test func unknownFieldIsRefusedByName() {
        #expect(Self.error(#"{"biz_id":"b","phone_number":"13800000000","outId":"x"}"#)?.field == "outId")
    }

    @Test func numberWhereTextBelongsIsRefused() {
        #expect(Self.error(#"{"biz_id":12345,"phone_number":"13800000000"}"#)?.field == "biz_id")
    }

    @Test func unknownProviderIsRefused() {
        #expect(Self.error(#"{"provider":"twilio","biz_id":"b"}"#)?.field == "provider")
    }

    @Test func malformedPhoneIsRefused() {
        #expect(Self.error(#"{"biz_id":"b","phone_number":"138-0000"}"#)?.field == "phone_number")
    }

    @Test func emptyBatchIsRefused() {
        #expect(Self.error(#"{"sends":[]}"#)?.field == "sends")
    }

    @Test func nonObjectItemIsNamedByIndex() {
        #expect(Self.error(#"[{"biz_id":"b","phone_number":"13800000000"}, 7]"#)?.field == "sends[1]")
    }

    // MARK: JSON lines

    @Test func importSkipsBlankAndCommentLines() throws {
        let text = """
            # exported 2026-11-23
            {"biz_id":"b1","phone_number":"13800000001"}\r

            {"biz_id":"b2","phone_number":"13800000002"}
            """
        #expect(try SendImport.parse(Data(text.utf8), now: Self.now).map(\.bizId) == ["b1", "b2"])
    }

    @Test func importErrorNamesLineAndField() {
        let text = """
            {"biz_id":"b1","phone_number":"13800000001"}
            # comment
            {"biz_id":"b3","sent_at":"2026-13-01 00:00:00","phone_number":"13800000003"}
            """
        let error = #expect(throws: SendRecordError.self) {
            _ = try SendImport.parse(Data(text.utf8), now: Self.now)
        }
        #expect(error?.field == "line 3: sent_at")
    }

    @Test func importOfABadFileWritesNothing() async throws {
        try await withLedger { store in
            let lines = (0..<600).map { #"{"biz_id":"b\#($0)","phone_number":"13800000000"}"# } + [#"{"biz_id":"late"}"#]
            await #expect(throws: SendRecordError.self) {
                _ = try await SendImport.importLines(Data(lines.joined(separator: "\n").utf8), into: store,
                                                     firstCheckDelay: 900, now: Self.now)
            }
            let recorded = try await store.counts().sends
            #expect(recorded == 0)
        }
    }

    @Test func importCommitsInBatchesAndCanBeRepeated() async throws {
        try await withLedger { store in
            let data = Data((0..<1_201).map { #"{"biz_id":"b\#($0)","phone_number":"13800000000"}"# }.joined(separator: "\n").utf8)

            let first = try await SendImport.importLines(data, into: store, firstCheckDelay: 900, now: Self.now)
            let second = try await SendImport.importLines(data, into: store, firstCheckDelay: 900, now: Self.now)

            #expect(first == ItemCount(new: 1_201, duplicate: 0))
            #expect(second == ItemCount(new: 0, duplicate: 1_201))
            #expect(try await store.counts().sends == 1_201)
        }
    }

    private func withLedger(_ body: (SQLiteLedgerStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path,
                                          options: SQLiteLedgerOptions(synchronous: .normal))
        do {
            try await body(store)
        } catch {
            await store.close()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

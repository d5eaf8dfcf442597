import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

@Suite("SQLite ledger: statements, query plans and encodings")
struct SQLiteConnectionTests {
    @Test func preparedStatementsAreReusedAcrossBatches() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        func batch(_ n: Int) -> LedgerBatch {
            Sample.batch(receipts: [Sample.receipt(bizId: "r\(n)")], replies: [Sample.reply(sequence: "\(n)")],
                         quarantine: [Sample.quarantine("q\(n)")], sends: [Sample.send(bizId: "s\(n)")])
        }
        _ = try await store.commit(batch(0))
        let afterFirst = try await store.withWriteConnection { $0.liveStatementCount }
        for n in 1...20 { _ = try await store.commit(batch(n)) }

        #expect(try await store.withWriteConnection { $0.liveStatementCount } == afterFirst)
        #expect(try await store.counts().receipts == 21)
        await store.close()
    }

    @Test func dueSendsAreSelectedThroughThePartialIndex() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(sends: (0..<50).map { Sample.send(bizId: "b\($0)") }))

        let plan = try await store.queryPlan(SQL.dueSends)
        #expect(plan.contains("USING INDEX sends_due"))
        #expect(!plan.contains("SCAN sends"))
        await store.close()
    }

    @Test func receiptsOfAPhoneAreFoundThroughItsSendsNotByAScan() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(receipts: (0..<50).map {
            Sample.receipt(bizId: "b\($0)", phone: "1380000\(String(format: "%04d", $0))")
        }))

        let plan = try await store.queryPlan(LedgerReader.receiptsSQL(LedgerQuery(phoneNumber: "13800000007")))
        #expect(plan.contains("USING INDEX sends_phone"), "\(plan)")
        #expect(plan.contains("USING INDEX receipts_biz_id"), "\(plan)")
        #expect(!plan.contains("SCAN receipts"), "\(plan)")
        #expect(try await store.receipts(LedgerQuery(phoneNumber: "13800000007")).map(\.receipt.bizId) == ["b7"])
        await store.close()
    }

    @Test func aVersion1LedgerLosesItsReceiptPhoneIndexAndKeepsItsRows() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "old", phone: "13900000001")]))
        // Back to what schema 1 left on disk.
        try await store.withWriteConnection { connection in
            try connection.exec("CREATE INDEX receipts_phone ON receipts (phone_number, received_at)")
            try connection.exec("DROP INDEX sends_sent_bucket")
            try connection.exec("CREATE INDEX sends_sent_at ON sends (sent_at)")
            try connection.exec(TemporaryLedger.undoSchema4)
            try connection.exec("PRAGMA user_version = 1")
        }
        await store.close()

        let reopened = try ledger.open()
        let (version, indexes) = try await reopened.withWriteConnection { connection in
            (try connection.scalarInt("PRAGMA user_version"),
             try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'receipts_phone'"))
        }
        #expect(version == LedgerSchema.latestVersion)
        #expect(indexes == 0)
        #expect(try await reopened.receipts(LedgerQuery(phoneNumber: "13900000001")).map(\.receipt.bizId) == ["old"])
        await reopened.close()
    }

    /// The quarantine identity is SHA-256 (swift-crypto) over source, a zero byte and the body.
    @Test func theQuarantineDigestIsSHA256OverSourceZeroAndBody() {
        let entry = QuarantineEntry(source: .smsReport, rawBody: Data("abc".utf8), reason: "r")
        // printf 'sms_report\0abc' | sha256sum
        #expect(Hex.encode(BatchWriter.digest(of: entry), uppercase: false)
            == "7dfccaf96c7fdcd8bdfff0a5df642fe684980fad4f3c77d88624b0c3f3910a81")
        let other = QuarantineEntry(source: .smsUp, rawBody: Data("abc".utf8), reason: "r")
        #expect(BatchWriter.digest(of: other) != BatchWriter.digest(of: entry))
    }

    @Test func timesAreStoredAsWholeMilliseconds() {
        #expect(Millis.from(Date(timeIntervalSince1970: 1_700_000_000.123)) == 1_700_000_000_123)
        #expect(Millis.date(1_700_000_000_123) == Date(timeIntervalSince1970: 1_700_000_000.123))
    }

    @Test func absurdTimesFromOutsideDoNotTrap() {
        #expect(Millis.from(Date(timeIntervalSince1970: 1e300)) == Int64.max)
        #expect(Millis.from(Date(timeIntervalSince1970: -1e300)) == Int64.min)
        #expect(Millis.from(Date(timeIntervalSince1970: .nan)) == 0)
    }

    @Test func emptyBodiesAreStoredAsEmptyNotNull() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        var receipt = Sample.receipt()
        receipt.rawBody = Data()
        _ = try await store.commit(Sample.batch(receipts: [receipt]))

        #expect(try await store.receipts(.all()).first?.receipt.rawBody == Data())
        await store.close()
    }
}

import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// Schema 7 finds a phone's sends through `sends_phone_day` (day first, then phone), one seek per
/// day. The answers must be those of a plain phone filter, sends without a send time included, and
/// the plans must seek that index rather than scan.
@Suite("SQLite ledger: a phone's sends through the day index")
struct PhoneDayIndexTests {
    static let phone = "13800000042"
    static let day: TimeInterval = 86_400

    /// The phone's sends on several days (and one without a send time), among other phones' sends.
    private func ledger() async throws -> (TemporaryLedger, SQLiteLedgerStore) {
        let ledger = try TemporaryLedger()
        let store = try ledger.open()
        var sends: [SendRecord] = []
        for (index, days) in [-40.0, -3, -3, 0, 0.5, 2, 9].enumerated() {
            sends.append(Sample.send(bizId: "p\(index)", phone: Self.phone, sentAt: days * Self.day))
            sends.append(Sample.send(bizId: "o\(index)", phone: "1390000\(String(format: "%04d", index))",
                                     sentAt: days * Self.day))
        }
        _ = try await store.commit(Sample.batch(sends: sends))
        var undated = Sample.receipt(bizId: "undated", phone: Self.phone)
        undated.sentAt = nil
        _ = try await store.commit(Sample.batch(receipts: [undated, Sample.receipt(bizId: "p3", phone: Self.phone)]))
        return (ledger, store)
    }

    @Test func aPhonesSendsAreAllFoundWithAndWithoutAWindow() async throws {
        let (ledger, store) = try await ledger()
        defer { ledger.remove() }
        let all = try await store.sends(LedgerQuery(phoneNumber: Self.phone, limit: 100)).map(\.key.bizId)
        #expect(Set(all) == ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "undated"])
        #expect(all.last == "undated", "no send time sorts last")
        let window = try await store.sends(LedgerQuery(phoneNumber: Self.phone, from: Sample.at(-3 * Self.day),
                                                       to: Sample.at(2 * Self.day), limit: 100)).map(\.key.bizId)
        #expect(window == ["p4", "p3", "p2", "p1"])
        let receipts = try await store.receipts(LedgerQuery(phoneNumber: Self.phone, limit: 100)).map(\.receipt.bizId)
        #expect(Set(receipts) == ["undated", "p3"])
        await store.close()
    }

    @Test func theSendsAndReceiptsOfAPhoneSeekTheDayIndex() async throws {
        let (ledger, store) = try await ledger()
        defer { ledger.remove() }
        for query in [LedgerQuery(phoneNumber: Self.phone), LedgerQuery(phoneNumber: Self.phone, from: Sample.t0)] {
            let sends = try await store.queryPlan(LedgerReader.sendsSQL(query))
            let receipts = try await store.queryPlan(LedgerReader.receiptsSQL(query))
            #expect(sends.contains("USING INDEX sends_phone_day"), "\(sends)")
            // Only the probes for the ledger's first and last day may walk an index (and stop at once).
            let scans = sends.split(separator: "\n").filter { $0.hasPrefix("SCAN sends") || $0.hasPrefix("SEARCH sends") }
            #expect(scans.allSatisfy { $0.contains("sends_phone_day") || $0.contains("sends_sent_bucket") }, "\(sends)")
            #expect(!sends.contains("SCAN sends\n") && !sends.hasSuffix("SCAN sends"), "\(sends)")
            #expect(receipts.contains("USING INDEX sends_phone_day"), "\(receipts)")
        }
        await store.close()
    }

    @Test func aPhonesRepliesSeekTheirDayIndex() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        for query in [LedgerQuery(phoneNumber: Self.phone), LedgerQuery(phoneNumber: Self.phone, from: Sample.t0)] {
            let plan = try await store.queryPlan(LedgerReader.repliesSQL(query))
            #expect(plan.contains("USING INDEX replies_phone_day"), "\(plan)")
            #expect(!plan.contains("SCAN replies\n") && !plan.hasSuffix("SCAN replies"), "\(plan)")
        }
        await store.close()
    }

    /// Schema 8 rebuilt `replies` with keys that start with the send second. A reply stored before the
    /// upgrade and redelivered after it must still be a duplicate, and keep its id.
    @Test func aVersion7LedgersRepliesKeepTheirIdsAndStillDeduplicate() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let old = Sample.reply(phone: Self.phone, sequence: "old", sentAt: 86_400 * 3 + 7)
        _ = try await store.commit(Sample.batch(replies: [old]))
        let id = try await store.replies(LedgerQuery()).first?.id
        try await store.withWriteConnection { connection in
            try store.rollBack(connection, to: 7)
            #expect(try connection.scalarText("SELECT dedupe_key FROM replies") == old.dedupeKey, "schema 7's key")
        }
        await store.close()

        let reopened = try ledger.open()
        let keys = try await reopened.withWriteConnection { connection in
            try connection.scalarText("SELECT group_concat(dedupe_key) FROM replies")
        }
        #expect(keys == SQL.replyKey(old))
        let again = try await reopened.commit(Sample.batch(replies: [old], receivedAt: 900))
        #expect(again.replies.new == 0 && again.replies.duplicate == 1)
        let replies = try await reopened.replies(LedgerQuery(phoneNumber: Self.phone))
        #expect(replies.map(\.id) == [id].compactMap { $0 })
        let fresh = try await reopened.commit(Sample.batch(replies: [Sample.reply(phone: Self.phone, sequence: "new")]))
        #expect(fresh.replies.new == 1)
        await reopened.close()
    }
}

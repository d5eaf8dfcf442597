import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

@Suite("Ledger gauges: per-state counts kept by the writer, read without a scan")
struct LedgerGaugesTests {
    @Test(arguments: Backend.available)
    func sendsByStateFollowEveryInsertAndMove(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await store.commit(Sample.batch(sends: (0..<5).map { Sample.send(bizId: "b\($0)", sentAt: Double($0)) }))
        _ = try await store.commit(Sample.batch(receipts: [
            Sample.receipt(bizId: "b0"), Sample.receipt(bizId: "b1"),
            Sample.receipt(bizId: "b2", status: Sample.failedStatus),
            Sample.receipt(bizId: "orphan", phone: "13900000009"),
        ]))
        let gauges = try await store.gauges(now: Sample.at(0))
        #expect(gauges.sendsByState == ["pending": 2, "delivered": 3, "failed": 1])
        let counted = try await store.sends(LedgerQuery(limit: 100))
        #expect(gauges.sendsByState.values.reduce(0, +) == counted.count)
        #expect(gauges.lastSendAt == Sample.at(4))
        #expect(gauges.lastReceiptAt == Sample.at(300))
        #expect(gauges.lastReplyAt == nil)
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func closingASendAtTheWindowMovesItsCount(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "late"), Sample.send(bizId: "later", sentAt: 5)]))
        let late = try #require(try await store.send("late"))
        try await store.markChecked([SendCheck(send: late.key, checkedAt: Sample.at(9000), outcome: .close(reason: "window"))])
        let gauges = try await store.gauges(now: Sample.at(10_000_000))
        #expect(gauges.sendsByState == ["pending": 1, "unknown": 1])
        #expect(gauges.dueSends == 1, "the open tracked send is due; the closed one no longer")
        await backend.discard(store)
    }

    @Test func anOlderLedgerIsCountedWhenItIsMigrated() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "x"), Sample.receipt(bizId: "y")]))
        try await store.withWriteConnection { connection in
            try store.rollBack(connection, to: 3)
        }
        await store.close()
        let reopened = try ledger.open()
        #expect(try await reopened.gauges(now: Sample.at(0)).sendsByState == ["delivered": 2])
        await reopened.close()
    }

    @Test func theCountsAndTheNewestRowsAreIndexLookups() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let newestSend = try await store.queryPlan("""
            SELECT max(sent_at) FROM sends WHERE \(SQL.sendTimeBucket) = (SELECT max(\(SQL.sendTimeBucket)) FROM sends)
            """)
        #expect(newestSend.contains("sends_sent_bucket"))
        #expect(!newestSend.contains("SCAN sends"), "\(newestSend)")
        let due = try await store.queryPlan("SELECT count(*) FROM sends WHERE is_final = 0 AND tracked = 1 AND next_check_at <= 0")
        #expect(due.contains("sends_due"))
        await store.close()
    }
}

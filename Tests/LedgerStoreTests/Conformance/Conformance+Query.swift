import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

extension Conformance {
    /// Three sends with one receipt each, received 100 s apart:
    /// a (phone …01, out-a, delivered, t+100), b (…02, out-b, failed, t+200), c (…01, out-c, pending, t+300).
    private func seed() async throws {
        let rows: [(String, String, DeliveryStatus, TimeInterval)] = [
            ("a", "13800000001", .delivered, 100),
            ("b", "13800000002", Sample.failedStatus, 200),
            ("c", "13800000001", Sample.pendingStatus, 300),
        ]
        for (biz, phone, status, at) in rows {
            _ = try await store.commit(Sample.batch(
                receipts: [Sample.receipt(bizId: biz, phone: phone, outId: "out-\(biz)", status: status)],
                sends: [Sample.send(bizId: biz, phone: phone, outId: "out-\(biz)", sentAt: at)], receivedAt: at))
        }
    }

    func queryByPhone() async throws {
        try await seed()
        let receipts = try await store.receipts(LedgerQuery(phoneNumber: "13800000001"))
        #expect(receipts.map(\.receipt.bizId) == ["c", "a"])
        let sends = try await store.sends(LedgerQuery(phoneNumber: "13800000002"))
        #expect(sends.map(\.key.bizId) == ["b"])
        // Replies of one phone on several days (SQLite seeks them day by day), among another phone's.
        let day: TimeInterval = 86_400
        for (index, at) in [-30 * day, -1, 0, 2 * day + 5].enumerated() {
            _ = try await store.commit(Sample.batch(replies: [
                Sample.reply(phone: "13800000001", sequence: "r\(index)", sentAt: at),
                Sample.reply(phone: "13800000002", sequence: "o\(index)", sentAt: at),
            ], receivedAt: at + 1))
        }
        let replies = try await store.replies(LedgerQuery(phoneNumber: "13800000001", limit: 10))
        #expect(replies.map(\.message.sequenceId) == ["r3", "r2", "r1", "r0"])
        let window = try await store.replies(LedgerQuery(phoneNumber: "13800000001", from: Sample.at(0),
                                                         to: Sample.at(2 * day), limit: 10))
        #expect(window.map(\.message.sequenceId) == ["r2", "r1"])
        #expect(try await store.replies(LedgerQuery(phoneNumber: "13800000009")).isEmpty)
    }

    func queryByBizId() async throws {
        try await seed()
        #expect(try await store.receipts(LedgerQuery(bizId: "b")).map(\.receipt.bizId) == ["b"])
        #expect(try await store.sends(LedgerQuery(bizId: "b")).map(\.key.bizId) == ["b"])
    }

    func queryByOutId() async throws {
        try await seed()
        #expect(try await store.receipts(LedgerQuery(outId: "out-c")).map(\.receipt.bizId) == ["c"])
        #expect(try await store.sends(LedgerQuery(outId: "out-a")).map(\.key.bizId) == ["a"])
    }

    func queryByState() async throws {
        try await seed()
        #expect(try await store.receipts(LedgerQuery(state: .failed)).map(\.receipt.bizId) == ["b"])
        #expect(try await store.sends(LedgerQuery(state: .pending)).map(\.key.bizId) == ["c"])
    }

    func queryByTimeRange() async throws {
        try await seed()
        let receipts = try await store.receipts(LedgerQuery(from: Sample.at(200), to: Sample.at(300)))
        #expect(receipts.map(\.receipt.bizId) == ["b"])
        let sends = try await store.sends(LedgerQuery(from: Sample.at(150)))
        #expect(sends.map(\.key.bizId) == ["c", "b"])
        let replies = try await store.replies(LedgerQuery(to: Sample.at(100)))
        #expect(replies.isEmpty)
    }

    func queryByProviderAndSource() async throws {
        try await seed()
        _ = try await store.commit(Sample.batch(receipts: [
            Sample.receipt(bizId: "t", phone: nil, code: "200", source: .httpCallback, provider: .telesign),
        ]))
        #expect(try await store.receipts(LedgerQuery(provider: .telesign)).map(\.receipt.bizId) == ["t"])
        #expect(try await store.receipts(LedgerQuery(source: .httpCallback)).map(\.receipt.bizId) == ["t"])
        #expect(try await store.sends(LedgerQuery(provider: .alibaba)).count == 3)
    }

    func queryNewestFirstWithLimit() async throws {
        try await seed()
        #expect(try await store.receipts(LedgerQuery(limit: 2)).map(\.receipt.bizId) == ["c", "b"])
        #expect(try await store.sends(LedgerQuery(limit: 1)).map(\.key.bizId) == ["c"])
        #expect(try await store.receipts(LedgerQuery(limit: 0)).isEmpty)
    }

    func quarantineQueryBySourceAndTime() async throws {
        _ = try await store.commit(Sample.batch(quarantine: [Sample.quarantine("1", source: .smsReport)], receivedAt: 100))
        _ = try await store.commit(Sample.batch(quarantine: [Sample.quarantine("2", source: .smsUp)], receivedAt: 200))
        #expect(try await store.quarantine(LedgerQuery(source: .smsUp)).map(\.entry.rawBody) == [Data("2".utf8)])
        #expect(try await store.quarantine(LedgerQuery(to: Sample.at(150))).map(\.entry.rawBody) == [Data("1".utf8)])
        #expect(try await store.quarantine(.all()).map(\.entry.rawBody) == [Data("2".utf8), Data("1".utf8)])
    }

    func dueSendsAreTrackedOpenAndDue() async throws {
        _ = try await store.commit(Sample.batch(
            receipts: [Sample.receipt(bizId: "orphan"), Sample.receipt(bizId: "done", status: .delivered)],
            sends: [Sample.send(bizId: "late", sentAt: 50), Sample.send(bizId: "early", sentAt: 10),
                    Sample.send(bizId: "future", sentAt: 5_000), Sample.send(bizId: "done", sentAt: 0)]))

        let due = try await store.dueSends(now: Sample.at(100), limit: 10)
        #expect(due.map(\.key.bizId) == ["early", "late"])
        #expect(try await store.dueSends(now: Sample.at(100), limit: 1).map(\.key.bizId) == ["early"])
        #expect(try await store.counts().openSends == 3)
    }

    func firstCheckDelayPostponesCheck() async throws {
        var batch = Sample.batch(sends: [Sample.send(sentAt: 0)])
        batch.firstCheckDelay = 600
        _ = try await store.commit(batch)

        #expect(try await store.dueSends(now: Sample.at(599), limit: 10).isEmpty)
        #expect(try await store.dueSends(now: Sample.at(600), limit: 10).count == 1)
    }

    func finalReceiptEndsChecks() async throws {
        _ = try await store.commit(Sample.batch(sends: [Sample.send()]))
        #expect(try await store.dueSends(now: Sample.at(100), limit: 10).count == 1)
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: Sample.failedStatus)]))

        #expect(try await store.dueSends(now: Sample.at(100), limit: 10).isEmpty)
        #expect(try await store.send("biz-1")?.nextCheckAt == nil)
    }

    func markCheckedSchedulesNext() async throws {
        _ = try await store.commit(Sample.batch(sends: [Sample.send()]))
        let key = SendKey(provider: .alibaba, bizId: "biz-1", phoneNumber: "13800000001")
        try await store.markChecked([SendCheck(send: key, checkedAt: Sample.at(100),
                                               outcome: .checkAgain(at: Sample.at(700)))])

        #expect(try await store.dueSends(now: Sample.at(699), limit: 10).isEmpty)
        let send = try #require(try await store.dueSends(now: Sample.at(700), limit: 10).first)
        #expect(send.checkCount == 1)
        #expect(send.lastCheckedAt == Sample.at(100))
        #expect(send.nextCheckAt == Sample.at(700))
    }

    func markCheckedClosesAsUnknown() async throws {
        _ = try await store.commit(Sample.batch(sends: [Sample.send()]))
        let key = SendKey(provider: .alibaba, bizId: "biz-1", phoneNumber: "13800000001")
        try await store.markChecked([SendCheck(send: key, checkedAt: Sample.at(100),
                                               outcome: .close(reason: "older than 30 days"))])

        let send = try #require(try await store.send("biz-1"))
        #expect(send.status == DeliveryStatus(state: .unknown, isFinal: true))
        #expect(send.closedReason == "older than 30 days")
        #expect(try await store.dueSends(now: Sample.at(1_000_000), limit: 10).isEmpty)
    }

    func closingKeepsFinalState() async throws {
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: .delivered)], sends: [Sample.send()]))
        let key = SendKey(provider: .alibaba, bizId: "biz-1", phoneNumber: "13800000001")
        try await store.markChecked([SendCheck(send: key, checkedAt: Sample.at(100), outcome: .close(reason: "gave up"))])

        let send = try #require(try await store.send("biz-1"))
        #expect(send.status == .delivered)
        #expect(send.closedReason == nil)
        #expect(send.checkCount == 1)
    }
}

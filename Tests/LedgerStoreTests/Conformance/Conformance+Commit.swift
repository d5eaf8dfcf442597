import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

extension Conformance {
    func commitStoresEveryKindAndCountsIt() async throws {
        let summary = try await store.commit(Sample.batch(
            receipts: [Sample.receipt(bizId: "a"), Sample.receipt(bizId: "b")],
            replies: [Sample.reply()], quarantine: [Sample.quarantine()], sends: [Sample.send(bizId: "a")]))

        #expect(summary.receipts == ItemCount(new: 2, duplicate: 0))
        #expect(summary.replies == ItemCount(new: 1, duplicate: 0))
        #expect(summary.quarantine == ItemCount(new: 1, duplicate: 0))
        #expect(summary.sends == ItemCount(new: 1, duplicate: 0))
        #expect(summary.orphanReceipts == 1)
        #expect(try await store.counts() == LedgerCounts(receipts: 2, replies: 1, sends: 2, openSends: 0,
                                                         quarantine: 1))
    }

    func emptyBatchChangesNothing() async throws {
        let summary = try await store.commit(LedgerBatch())
        #expect(summary == CommitSummary())
        #expect(try await store.counts() == LedgerCounts())
    }

    func sameReceiptTwiceIsOneRow() async throws {
        let batch = Sample.batch(receipts: [Sample.receipt()], mnsMessageId: "MSG-1")
        _ = try await store.commit(batch)
        let again = try await store.commit(batch)

        #expect(again.receipts == ItemCount(new: 0, duplicate: 1))
        #expect(try await store.counts().receipts == 1)
    }

    func queueAndCompensationReportIsOneRow() async throws {
        let fromQueue = Sample.receipt(source: .smsReport, body: #"{"success":true}"#)
        let fromCompensation = Sample.receipt(source: .compensation, body: #"{"SendStatus":3}"#)
        _ = try await store.commit(Sample.batch(receipts: [fromQueue], mnsMessageId: "MSG-1"))
        let second = try await store.commit(Sample.batch(receipts: [fromCompensation]))

        #expect(second.receipts.duplicate == 1)
        let stored = try await store.receipts(.all())
        #expect(stored.count == 1)
        #expect(stored.first?.receipt.source == .smsReport)
    }

    func duplicateInsideOneBatchIsOneRow() async throws {
        let summary = try await store.commit(Sample.batch(receipts: [Sample.receipt(), Sample.receipt()],
                                                          replies: [Sample.reply(), Sample.reply()]))
        #expect(summary.receipts == ItemCount(new: 1, duplicate: 1))
        #expect(summary.replies == ItemCount(new: 1, duplicate: 1))
        #expect(try await store.counts().receipts == 1)
    }

    func sameReplyTwiceIsOneRow() async throws {
        _ = try await store.commit(Sample.batch(replies: [Sample.reply()], mnsMessageId: "MSG-1"))
        let again = try await store.commit(Sample.batch(replies: [Sample.reply()], mnsMessageId: "MSG-1"))

        #expect(again.replies == ItemCount(new: 0, duplicate: 1))
        #expect(try await store.counts().replies == 1)
    }

    func sameQuarantineBodyBumpsCount() async throws {
        _ = try await store.commit(Sample.batch(quarantine: [Sample.quarantine("garbage")], receivedAt: 100))
        let again = try await store.commit(Sample.batch(quarantine: [Sample.quarantine("garbage")], receivedAt: 200))

        #expect(again.quarantine == ItemCount(new: 0, duplicate: 1))
        let rows = try await store.quarantine(.all())
        let row = try #require(rows.count == 1 ? rows.first : nil)
        #expect(row.count == 2)
        #expect(row.firstSeen == Sample.at(100))
        #expect(row.lastSeen == Sample.at(200))
        #expect(row.entry.rawBody == Data("garbage".utf8))
    }

    func sameBodyFromAnotherSourceIsAnotherRow() async throws {
        _ = try await store.commit(Sample.batch(quarantine: [Sample.quarantine("x", source: .smsReport),
                                                             Sample.quarantine("x", source: .smsUp)]))
        let rows = try await store.quarantine(.all())
        #expect(rows.count == 2)
        #expect(Set(rows.map(\.digest)).count == 2)
    }

    func sameSendTwiceFillsWithoutErasing() async throws {
        _ = try await store.commit(Sample.batch(sends: [Sample.send(outId: "out-1", template: nil)]))
        let again = try await store.commit(Sample.batch(sends: [Sample.send(outId: nil, template: "SMS_9")]))

        #expect(again.sends == ItemCount(new: 0, duplicate: 1))
        let send = try #require(try await store.send("biz-1"))
        #expect(send.outId == "out-1")
        #expect(send.templateCode == "SMS_9")
        #expect(send.tracked)
        #expect(try await store.counts().sends == 1)
    }

    func receiptRoundTripsEveryField() async throws {
        var receipt = Sample.receipt(status: Sample.failedStatus, code: "MK:0001")
        receipt.rawBody = Data([0x00, 0xFF, 0x7B, 0x0A])
        receipt.smsSize = 3
        let receivedAt = Date(timeIntervalSince1970: 1_700_000_123.456)
        _ = try await store.commit(LedgerBatch(receipts: [Received(receipt, mnsMessageId: "MSG-7",
                                                                   receivedAt: receivedAt)]))

        let stored = try #require(try await store.receipts(.all()).first)
        #expect(stored.receipt == receipt)
        #expect(stored.mnsMessageId == "MSG-7")
        #expect(stored.receivedAt == receivedAt)
    }

    func replyRoundTripsEveryField() async throws {
        let reply = Sample.reply(content: "退订 stop")
        _ = try await store.commit(Sample.batch(replies: [reply], mnsMessageId: "MSG-8"))

        let stored = try #require(try await store.replies(.all()).first)
        #expect(stored.message == reply)
        #expect(stored.mnsMessageId == "MSG-8")
        #expect(stored.receivedAt == Sample.at(300))
    }

    func closedStoreRefusesWork() async throws {
        await store.close()
        let error = await #expect(throws: StoreError.self) {
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()]))
        }
        #expect(error?.kind == .unavailable)
        await #expect(throws: StoreError.self) { _ = try await store.counts() }
    }
}

import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

extension Conformance {
    /// Commits each receipt in its own batch, in order, for a tracked send `biz-1`.
    private func track(then receipts: [DeliveryReceipt]) async throws -> TrackedSend {
        _ = try await store.commit(Sample.batch(sends: [Sample.send()]))
        for receipt in receipts {
            _ = try await store.commit(Sample.batch(receipts: [receipt]))
        }
        return try #require(try await store.send("biz-1"))
    }

    func lateIntermediateKeepsDelivery() async throws {
        let send = try await track(then: [Sample.receipt(status: .delivered, reportedAt: 60),
                                          Sample.receipt(status: Sample.pendingStatus, reportedAt: 120)])
        #expect(send.status == .delivered)
        #expect(send.providerCode == "DELIVERED")
    }

    func deliveryReplacesPending() async throws {
        let send = try await track(then: [Sample.receipt(status: Sample.pendingStatus, reportedAt: 60),
                                          Sample.receipt(status: .delivered, reportedAt: 120)])
        #expect(send.status == .delivered)
        #expect(send.lastReportAt == Sample.at(120))
    }

    func firstFinalStateWins() async throws {
        let send = try await track(then: [Sample.receipt(status: Sample.failedStatus, code: "MK:0001", reportedAt: 60),
                                          Sample.receipt(status: .delivered, reportedAt: 120)])
        #expect(send.status == Sample.failedStatus)
        #expect(send.providerCode == "MK:0001")
    }

    func newerIntermediateReplacesOlder() async throws {
        let gateway = DeliveryStatus(state: .pending, isFinal: false)
        let send = try await track(then: [Sample.receipt(status: gateway, code: "203", reportedAt: 60),
                                          Sample.receipt(status: gateway, code: "290", reportedAt: 120)])
        #expect(send.providerCode == "290")
    }

    func olderIntermediateKeepsNewer() async throws {
        let gateway = DeliveryStatus(state: .pending, isFinal: false)
        let send = try await track(then: [Sample.receipt(status: gateway, code: "290", reportedAt: 120),
                                          Sample.receipt(status: gateway, code: "203", reportedAt: 60)])
        #expect(send.providerCode == "290")
    }

    func historyKeepsEveryReport() async throws {
        _ = try await track(then: [Sample.receipt(status: Sample.pendingStatus, reportedAt: 60),
                                   Sample.receipt(status: .delivered, reportedAt: 120),
                                   Sample.receipt(status: Sample.pendingStatus, reportedAt: 180)])
        let history = try await store.receipts(LedgerQuery(bizId: "biz-1"))
        #expect(history.count == 3)
    }

    func orphanReceiptCreatesUntrackedSend() async throws {
        let summary = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: .delivered)]))

        #expect(summary.orphanReceipts == 1)
        let send = try #require(try await store.send("biz-1"))
        #expect(!send.tracked)
        #expect(send.status == .delivered)
        #expect(send.key == SendKey(provider: .alibaba, bizId: "biz-1", phoneNumber: "13800000001"))
        #expect(try await store.counts().receipts == 1)
    }

    func trackAfterReceiptLinksThem() async throws {
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: .delivered)]))
        let summary = try await store.commit(Sample.batch(sends: [Sample.send(template: "SMS_42")]))

        #expect(summary.sends == ItemCount(new: 1, duplicate: 0))
        let send = try #require(try await store.send("biz-1"))
        #expect(send.tracked)
        #expect(send.status == .delivered)
        #expect(send.templateCode == "SMS_42")
        #expect(try await store.counts().sends == 1)
        #expect(try await store.dueSends(now: Sample.at(86_400), limit: 10).isEmpty)
    }

    func phonelessReceiptFindsTrackedSend() async throws {
        _ = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "ref-1", provider: .telesign)]))
        let summary = try await store.commit(Sample.batch(receipts: [
            Sample.receipt(bizId: "ref-1", phone: nil, code: "200", source: .httpCallback, provider: .telesign),
        ]))

        #expect(summary.orphanReceipts == 0)
        let send = try #require(try await store.send("ref-1"))
        #expect(send.status == .delivered)
        #expect(send.key.phoneNumber == "13800000001")
        #expect(try await store.counts().sends == 1)
    }

    func trackAdoptsPhonelessOrphan() async throws {
        _ = try await store.commit(Sample.batch(receipts: [
            Sample.receipt(bizId: "ref-1", phone: nil, code: "200", source: .httpCallback, provider: .telesign),
        ]))
        let summary = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "ref-1", provider: .telesign)]))

        #expect(summary.sends.new == 1)
        let send = try #require(try await store.send("ref-1"))
        #expect(send.tracked)
        #expect(send.key.phoneNumber == "13800000001")
        #expect(send.status == .delivered)
        #expect(try await store.counts().sends == 1)
    }
}

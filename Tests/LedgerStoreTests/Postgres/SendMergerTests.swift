import Foundation
@testable import LedgerPostgres
import LedgerStore
import SMSLedgerCore
import Testing

/// The PostgreSQL writer's merge as a pure state machine, without a database: which rows a batch
/// creates, which it changes, and what each receipt did.
@Suite("PostgreSQL send merge, without a database")
struct SendMergerTests {
    static func stored(_ id: Int64, bizId: String = "biz-1", phone: String = "13800000001", tracked: Bool = true,
                       state: DeliveryState = .pending, isFinal: Bool = false, lastReportAt: Int64? = nil) -> SendState {
        SendState(id: id, provider: "alibaba", bizId: bizId, phoneNumber: phone, outId: nil,
                  sentAt: tracked ? Millis.from(Sample.t0) : nil, templateCode: nil, signName: nil, tracked: tracked,
                  state: state.rawValue, isFinal: isFinal, retryable: nil, providerCode: nil,
                  lastReportAt: lastReportAt, nextCheckAt: tracked && !isFinal ? 0 : nil)
    }

    @Test func aNewSendIsOneInsertTrackedPendingAndDueAfterTheDelay() {
        var merger = SendMerger(stored: [])
        let isNew = merger.track(Sample.send(), firstCheckDelay: 600)
        #expect(isNew)
        #expect(merger.inserts.count == 1 && merger.updates.isEmpty)
        let row = merger.inserts[0]
        #expect(row.tracked && row.state == "pending" && !row.isFinal)
        #expect(row.nextCheckAt == Millis.from(Sample.at(600)))
    }

    @Test func trackingAgainOnlyFillsWhatIsMissingAndAnUnchangedRowIsNotWritten() {
        var merger = SendMerger(stored: [Self.stored(7)])
        var send = Sample.send()
        send.sentAt = Sample.at(999)
        let isNew = merger.track(send, firstCheckDelay: 0)
        #expect(!isNew, "tracked already")
        #expect(merger.rows[0].sentAt == Millis.from(Sample.t0), "a tracked row keeps its send time")
        #expect(merger.updates.map(\.id) == [7], "it gained the out id and template")
        var again = SendMerger(stored: merger.rows)
        _ = again.track(send, firstCheckDelay: 0)
        #expect(again.updates.isEmpty, "nothing new: nothing to write")
    }

    @Test func trackingAdoptsTheOrphanOfAPhonelessReceipt() {
        var merger = SendMerger(stored: [Self.stored(3, phone: "", tracked: false, state: .delivered, isFinal: true)])
        let isNew = merger.track(Sample.send(), firstCheckDelay: 0)
        #expect(isNew, "known only from a receipt: newly tracked")
        #expect(merger.inserts.isEmpty)
        #expect(merger.rows[0].phoneNumber == "13800000001")
        #expect(merger.rows[0].state == "delivered" && merger.rows[0].nextCheckAt == nil, "a final orphan is not checked")
    }

    @Test func aReceiptForAnUnknownSendCreatesAnOrphanWithItsState() {
        var merger = SendMerger(stored: [])
        #expect(merger.apply(Sample.receipt(status: .delivered), receivedAt: Sample.at(300)) == .createdOrphan(0))
        let row = merger.inserts[0]
        #expect(!row.tracked && row.state == "delivered" && row.isFinal)
        #expect(row.lastReportAt == Millis.from(Sample.at(60)))
    }

    @Test func aPhonelessReceiptTakesTheSendIdsOnlyRowButNotOneOfSeveral() {
        var single = SendMerger(stored: [Self.stored(1)])
        let phoneless = Sample.receipt(phone: nil, status: .delivered)
        let effect1 = single.apply(phoneless, receivedAt: Sample.at(300))
        #expect(effect1 == .updated(0))
        #expect(single.inserts.isEmpty)

        var several = SendMerger(stored: [Self.stored(1), Self.stored(2, phone: "13800000002")])
        let effect2 = several.apply(phoneless, receivedAt: Sample.at(300))
        #expect(effect2 == .createdOrphan(2))
        #expect(several.inserts.first?.phoneNumber == "")
    }

    @Test func theMergeRuleDecides() {
        var merger = SendMerger(stored: [Self.stored(1, state: .failed, isFinal: true)])
        #expect(merger.apply(Sample.receipt(status: .delivered), receivedAt: Sample.at(300)) == .unchanged(0),
                "the first final state wins")
        var pending = SendMerger(stored: [Self.stored(1, lastReportAt: Millis.from(Sample.at(100)))])
        #expect(pending.apply(Sample.receipt(status: .pending, reportedAt: 50), receivedAt: Sample.at(300)) == .unchanged(0),
                "an older intermediate report does not replace a newer one")
        #expect(pending.apply(Sample.receipt(status: .delivered, reportedAt: 50), receivedAt: Sample.at(300)) == .updated(0))
        #expect(pending.rows[0].nextCheckAt == nil, "final: no more checks")
    }

    @Test func newRowsGetTheirIdsByKey() {
        var merger = SendMerger(stored: [])
        _ = merger.track(Sample.send(bizId: "a"), firstCheckDelay: 0)
        _ = merger.apply(Sample.receipt(bizId: "b"), receivedAt: Sample.at(300))
        merger.assignIds([SendKeyText("alibaba", "a", "13800000001"): 10, SendKeyText("alibaba", "b", "13800000001"): 11])
        #expect(merger.rows.map(\.id) == [10, 11])
    }
}

import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// The daemon and the emulator's HTTP push mode over loopback: the console's "HTTP批量推送" end to end.
@Suite("End to end: Alibaba HTTP push into the ledger", .serialized)
struct PushEndToEndTests {
    static let token = "e2e-push-token-0123456789abcdef"

    private func startWithPush(_ harness: DaemonHarness, push: (String) -> PushSettings) async throws -> DaemonHarness.Running {
        let daemon = harness.startDaemon()
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.daemon.httpPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let port = try #require(daemon.daemon.httpPort)
        harness.emulator.setPush(push("http://127.0.0.1:\(port)/alibaba/push/\(Self.token)"))
        return daemon
    }

    private func waitForPushes(_ harness: DaemonHarness) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while harness.emulator.pushCounters().pending > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(harness.emulator.pushCounters().pending == 0)
    }

    /// SendSms receipts and phone replies arrive only by push, several per array, with duplicates
    /// pushed again and a malformed item among them; the ledger matches the ground truth.
    @Test func sendReceiptsAndRepliesArriveByPushAndMatchTheGroundTruth() async throws {
        let harness = try await DaemonHarness.make(extraConfig: "[alibaba_push]\nenabled = true\ntoken = \"\(Self.token)\"\n") {
            $0.sms = .init(receiptDelay: 0.2, failureShare: 0.2, withholdShare: 0)
        }
        let daemon = try await startWithPush(harness) { base in
            PushSettings(smsReportURL: base + "/SmsReport", smsUpURL: base + "/SmsUp", batchSize: 25,
                         flushIntervalMillis: 20, retryDelayMillis: 200, maxAttempts: 20, duplicateShare: 0.2)
        }
        for index in 0..<120 { harness.emulator.recordSend(phones: [String(format: "1390000%04d", index)]) }
        for index in 0..<30 { harness.emulator.injectReply(phone: String(format: "1370000%04d", index), content: "TD \(index)") }
        harness.emulator.enqueuePushItems(kind: .smsReport, rawItems: [#"{"biz_id":"x^0","success":"perhaps"}"#])
        try await Task.sleep(for: .milliseconds(400))  // receipts become due after the carrier's delay
        try await waitForPushes(harness)
        #expect(await DaemonHarness.stop(daemon) == 0)

        #expect(harness.emulator.queueDepths().allSatisfy { $0.total == 0 }, "nothing went to the MNS queues")
        let counters = harness.emulator.pushCounters()
        #expect(counters.itemsAbandoned == 0)
        #expect(counters.itemsAccepted > 151, "some accepted items were pushed a second time: \(counters)")
        let store = try SQLiteLedgerStore(readOnlyAt: harness.storePath)
        let receipts = try await store.receipts(LedgerQuery(limit: 1000))
        #expect(receipts.count == 120)
        let truth = Dictionary(uniqueKeysWithValues: harness.emulator.sends().map { ($0.phoneNumber, $0.outcome) })
        for stored in receipts {
            let expected: DeliveryState = truth[stored.receipt.phoneNumber ?? ""] == .delivered ? .delivered : .failed
            #expect(stored.receipt.status.state == expected && stored.receipt.source == .smsReportPush)
        }
        #expect(try await store.counts().replies == 30)
        #expect(try await store.quarantine(LedgerQuery()).map(\.entry.source) == [.smsReportPush])
        await store.close()
        await harness.cleanUp()
    }

    /// A customer switching channels: every receipt comes by queue and by push; each is stored once.
    @Test func bothChannelsAtOnceStoreEachReceiptOnce() async throws {
        let harness = try await DaemonHarness.make(extraConfig: "[alibaba_push]\nenabled = true\ntoken = \"\(Self.token)\"\n") {
            $0.sms = .init(receiptDelay: 0.1, failureShare: 0.1, withholdShare: 0)
        }
        let daemon = try await startWithPush(harness) { base in
            PushSettings(smsReportURL: base + "/SmsReport", smsUpURL: base + "/SmsUp", flushIntervalMillis: 20,
                         retryDelayMillis: 200, alsoQueue: true)
        }
        for index in 0..<200 { harness.emulator.recordSend(phones: [String(format: "1360000%04d", index)]) }
        try await Task.sleep(for: .milliseconds(300))
        try await waitForPushes(harness)
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)
        let store = try SQLiteLedgerStore(readOnlyAt: harness.storePath)
        let receipts = try await store.receipts(LedgerQuery(limit: 1000))
        #expect(receipts.count == 200)
        #expect(Set(receipts.map(\.receipt.source)).isSubset(of: [.smsReport, .smsReportPush]))
        #expect(try await store.counts().sends == 200)
        await store.close()
        await harness.cleanUp()
    }
}

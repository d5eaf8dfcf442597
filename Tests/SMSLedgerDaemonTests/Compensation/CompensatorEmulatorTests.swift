import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// The compensator against the real emulator over loopback: sends go out through SendSms, a share
/// of receipts is withheld from the queue, and QuerySendDetails answers from the ground truth.
@Suite("Compensator against the emulator", .serialized)
struct CompensatorEmulatorTests {
    static let keyId = "LTAI5tCompensationKey"
    static let secret = "CompensationSecret0123456789abc"

    /// A running emulator, a Dysms client signed for it, and a fresh ledger; all torn down after `body`.
    private func withWorld(_ flow: EmulatorConfiguration.SmsFlow,
                           _ body: (AlicomEmulator, DysmsClient, CompensationLedger) async throws -> Void) async throws {
        let emulator = AlicomEmulator(configuration: EmulatorConfiguration(
            accessKeyId: Self.keyId, accessKeySecret: Self.secret, sms: flow, randomSeed: 20240305))
        try await emulator.start()
        let transport = AsyncHTTPClientTransport()
        let endpoint = try #require(emulator.endpoint)
        let dysms = DysmsClient(rpc: RPCClient(
            endpoint: endpoint, credentials: RPCCredentials(accessKeyId: Self.keyId, accessKeySecret: Self.secret),
            transport: transport, timeout: .seconds(5)))
        do {
            try await CompensationLedger.with { ledger in try await body(emulator, dysms, ledger) }
        } catch {
            try? await transport.shutdown()
            await emulator.shutdown()
            throw error
        }
        try? await transport.shutdown()
        await emulator.shutdown()
    }

    /// Sends through SendSms (some to two phones under one biz id) and records each recipient as
    /// `smsledger send` would: biz id, phone, our own send time.
    private func sendAndTrack(_ count: Int, dysms: DysmsClient, ledger: CompensationLedger) async throws {
        var records: [SendRecord] = []
        for index in 0..<count {
            let phones = index % 5 == 4 ? ["1380013\(4000 + index)", "1390013\(4000 + index)"] : ["1380013\(4000 + index)"]
            let sentAt = Date()
            let bizId = try await dysms.sendSms(phoneNumbers: phones.joined(separator: ","), signName: "阿里云短信测试",
                                                templateCode: "SMS_154950909", templateParam: #"{"code":"1234"}"#,
                                                outId: "order-\(index)")
            records += phones.map { SendRecord(provider: .alibaba, bizId: bizId, phoneNumber: $0, outId: "order-\(index)",
                                               sentAt: sentAt) }
        }
        try await ledger.track(records, firstCheckDelay: 0)
    }

    /// What the queue poller would have stored for the receipts that did reach the queue.
    private func deliverQueueReceipts(_ records: [SmsSendRecord], ledger: CompensationLedger,
                                      flip: Bool = false) async throws -> CommitSummary {
        var batch = LedgerBatch()
        for record in records {
            let json = Self.smsReportJSON(record, success: flip ? record.outcome != .delivered : record.outcome == .delivered)
            batch.append(.receipt(try SmsReportNormaliser.normalise(json: Data(json.utf8)).value))
        }
        return try await ledger.store.commit(batch)
    }

    static func smsReportJSON(_ record: SmsSendRecord, success: Bool) -> String {
        #"{"phone_number":"\#(record.phoneNumber)","send_time":"\#(BeijingTime.string(from: record.sentAt))","report_time":"\#(BeijingTime.string(from: record.reportAt))","success":\#(success),"err_code":"\#(record.errCode)","err_msg":"\#(record.errMessage)","sms_size":"1","biz_id":"\#(record.bizId)","out_id":"\#(record.outId ?? "")"}"#
    }

    /// Ticks until nothing is due (or `maxTicks`), returning every tick's report.
    private func compensateUntilQuiet(_ compensator: Compensator, ledger: CompensationLedger,
                                      maxTicks: Int = 60) async throws -> [CompensationTickReport] {
        var reports: [CompensationTickReport] = []
        for _ in 0..<maxTicks {
            reports.append(await compensator.runOnce())
            if try await ledger.store.dueSends(now: Date(), limit: 1).isEmpty { break }
        }
        return reports
    }

    private func expectLedgerMatchesTruth(_ truth: [SmsSendRecord], ledger: CompensationLedger) async throws {
        for record in truth {
            let send = try await ledger.send(record.bizId, phone: record.phoneNumber)
            let expected: DeliveryState = record.outcome == .delivered ? .delivered : .failed
            #expect(send.status.state == expected, "\(record.bizId) \(record.phoneNumber)")
            #expect(send.status.isFinal)
        }
    }

    @Test("withheld receipts are recovered: every send ends in the emulator's true final state")
    func recoversWithheldReceipts() async throws {
        try await withWorld(.init(receiptDelay: 0, failureShare: 0.25, withholdShare: 0.4)) { emulator, dysms, ledger in
            try await sendAndTrack(30, dysms: dysms, ledger: ledger)
            let truth = emulator.sends()
            let withheld = truth.filter(\.receiptWithheld)
            try #require(!withheld.isEmpty && withheld.count < truth.count)
            _ = try await deliverQueueReceipts(truth.filter { !$0.receiptWithheld }, ledger: ledger)

            let compensator = Compensator(store: ledger.store, source: dysms, settings: .testing(maxQPS: 500),
                                          logger: CompensationLogging.logger)
            let reports = try await compensateUntilQuiet(compensator, ledger: ledger)

            // Only the sends still open were asked about, and each was settled by its row.
            #expect(reports.map(\.settled).reduce(0, +) == withheld.count)
            #expect(compensator.health.snapshot.queries == withheld.count)
            try await expectLedgerMatchesTruth(truth, ledger: ledger)
            let fromCompensation = try await ledger.store.receipts(LedgerQuery(source: .compensation, limit: 1_000))
            #expect(fromCompensation.count == withheld.count)
        }
    }

    @Test("withheld receipts that arrive late change nothing final")
    func lateReceiptsChangeNothing() async throws {
        try await withWorld(.init(receiptDelay: 0, failureShare: 0.3, withholdShare: 0.5)) { emulator, dysms, ledger in
            try await sendAndTrack(20, dysms: dysms, ledger: ledger)
            let truth = emulator.sends()
            let withheld = truth.filter(\.receiptWithheld)
            try #require(!withheld.isEmpty)
            let compensator = Compensator(store: ledger.store, source: dysms, settings: .testing(maxQPS: 500),
                                          logger: CompensationLogging.logger)
            _ = try await compensateUntilQuiet(compensator, ledger: ledger)

            // The same news through the queue, late: recognised as already stored.
            let same = try await deliverQueueReceipts(withheld, ledger: ledger)
            #expect(same.receipts.new == 0)
            #expect(same.receipts.duplicate == withheld.count)
            // Contradicting news, late: kept as history, but the first final state stands.
            let contrary = try await deliverQueueReceipts(withheld, ledger: ledger, flip: true)
            #expect(contrary.sendsUpdated == 0)
            try await expectLedgerMatchesTruth(truth, ledger: ledger)
        }
    }

    @Test("throttling slows the compensator down and it still settles every send")
    func throttlingSlowsButCompletes() async throws {
        try await withWorld(.init(receiptDelay: 0, failureShare: 0.2, withholdShare: 1)) { emulator, dysms, ledger in
            try await sendAndTrack(24, dysms: dysms, ledger: ledger)
            let truth = emulator.sends()
            emulator.faults = EmulatorFaults(throttleShare: 0.4)
            let compensator = Compensator(store: ledger.store, source: dysms, settings: .testing(maxQPS: 200),
                                          logger: CompensationLogging.logger)
            var lowestRate = Double.infinity
            for _ in 0..<80 {
                await compensator.runOnce()
                lowestRate = min(lowestRate, compensator.health.snapshot.currentQPS)
                if try await ledger.store.dueSends(now: Date(), limit: 1).isEmpty { break }
            }
            #expect(compensator.health.snapshot.throttled > 0)
            #expect(lowestRate < 200)
            try await expectLedgerMatchesTruth(truth, ledger: ledger)
        }
    }

    @Test("a send the carrier has not reported yet stays open with its next check scheduled")
    func waitingSendStaysOpen() async throws {
        try await withWorld(.init(receiptDelay: 3_600, failureShare: 0, withholdShare: 1)) { emulator, dysms, ledger in
            try await sendAndTrack(3, dysms: dysms, ledger: ledger)
            let compensator = Compensator(store: ledger.store, source: dysms, settings: .testing(maxQPS: 500),
                                          logger: CompensationLogging.logger)
            let report = await compensator.runOnce()
            #expect(report.rescheduled == 3)
            for record in emulator.sends() {
                let send = try await ledger.send(record.bizId, phone: record.phoneNumber)
                #expect(send.status == .pending)
                #expect(send.checkCount == 1)
                #expect(send.nextCheckAt.map { $0 > Date() } == true)
            }
        }
    }

    @Test("server errors leave sends due and a later tick settles them")
    func serverErrorsRetried() async throws {
        try await withWorld(.init(receiptDelay: 0, failureShare: 0.2, withholdShare: 1)) { emulator, dysms, ledger in
            try await sendAndTrack(12, dysms: dysms, ledger: ledger)
            let truth = emulator.sends()
            emulator.faults = EmulatorFaults(serverErrorShare: 0.4)
            let compensator = Compensator(store: ledger.store, source: dysms, settings: .testing(maxQPS: 500),
                                          logger: CompensationLogging.logger)
            let reports = try await compensateUntilQuiet(compensator, ledger: ledger)
            #expect(reports.map(\.transient).reduce(0, +) > 0)
            try await expectLedgerMatchesTruth(truth, ledger: ledger)
        }
    }
}

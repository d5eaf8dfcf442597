import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// `smsledger send`'s core against the in-process emulator's signed SendSms.
@Suite("smsledger send")
struct SmsSenderTests {
    static let keyId = "LTAI5tSenderTestKey"
    static let secret = "SenderTestSecret0123456789abcd"
    static let sms = OutboundSms(phoneNumbers: ["13800138000"], signName: "阿里云短信测试", templateCode: "SMS_154950909",
                                 templateParam: #"{"code":"1234"}"#, outId: "order-7")

    /// An emulator, a ledger and a sender configured like `smsledger send --config` would be.
    private func withSender(secret: String = secret, faults: EmulatorFaults = .none,
                            _ body: (SmsSender, AlicomEmulator, SQLiteLedgerStore) async throws -> Void) async throws {
        var emulatorConfiguration = EmulatorConfiguration(accessKeyId: Self.keyId, accessKeySecret: Self.secret, randomSeed: 3)
        emulatorConfiguration.faults = faults
        let emulator = AlicomEmulator(configuration: emulatorConfiguration)
        let port = try await emulator.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-send-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path)
        let transport = AsyncHTTPClientTransport()
        var configuration = SMSLedgerConfiguration()
        configuration.alibaba.accessKeyID = Self.keyId
        configuration.alibaba.accessKeySecret = Secret(secret)
        configuration.alibaba.dysmsapiEndpoint = try #require(URL(string: "http://127.0.0.1:\(port)"))
        configuration.compensation.firstCheckAfter = .seconds(600)
        var failure: (any Error)?
        do {
            try await body(try SmsSender(configuration: configuration, transport: transport, store: store), emulator, store)
        } catch {
            failure = error
        }
        try? await transport.shutdown()
        await store.close()
        await emulator.shutdown()
        try? FileManager.default.removeItem(at: directory)
        if let failure { throw failure }
    }

    @Test func sentSmsIsRecordedWithTheBizIdTheServiceGave() async throws {
        try await withSender { sender, emulator, store in
            let sent = try await sender.send(Self.sms)

            let truth = try #require(emulator.sends().first)
            #expect(truth.bizId == sent.bizId)
            #expect(truth.phoneNumber == "13800138000")
            let tracked = try #require(try await store.sends(LedgerQuery(bizId: sent.bizId)).first)
            #expect(tracked.tracked)
            #expect(tracked.key.phoneNumber == "13800138000")
            #expect(tracked.outId == "order-7")
            #expect(tracked.templateCode == "SMS_154950909")
            #expect(tracked.nextCheckAt == tracked.sentAt?.addingTimeInterval(600))
        }
    }

    @Test func everyRecipientOfOneSendIsTracked() async throws {
        try await withSender { sender, _, store in
            var sms = Self.sms
            sms.phoneNumbers = ["13800138001", "13800138002", "13800138003"]

            let sent = try await sender.send(sms)

            #expect(try await store.sends(LedgerQuery(bizId: sent.bizId)).count == 3)
        }
    }

    @Test func throttledSendIsAServiceErrorWithItsCodeAndNothingIsRecorded() async throws {
        try await withSender(faults: EmulatorFaults(throttleShare: 1)) { sender, _, store in
            let error = await #expect(throws: SmsSendError.self) { _ = try await sender.send(Self.sms) }

            #expect(error?.kind == .service)
            #expect(error?.code == "Throttling.User")
            #expect(error?.exitCode == 69)
            #expect(error?.isRetryable == true)
            let recorded = try await store.counts().sends
            #expect(recorded == 0)
        }
    }

    @Test func refusedCredentialsAreAConfigurationError() async throws {
        try await withSender(secret: "WrongSecret0123456789abcdefgh") { sender, emulator, store in
            let error = await #expect(throws: SmsSendError.self) { _ = try await sender.send(Self.sms) }

            #expect(error?.kind == .configuration)
            #expect(error?.exitCode == 78)
            #expect(emulator.sends().isEmpty)
            let recorded = try await store.counts().sends
            #expect(recorded == 0)
        }
    }

    @Test func templateParamThatIsNotAnObjectIsRefusedBeforeSending() async throws {
        try await withSender { sender, emulator, _ in
            var sms = Self.sms
            sms.templateParam = "code=1234"

            let error = await #expect(throws: SmsSendError.self) { _ = try await sender.send(sms) }

            #expect(error?.exitCode == 64)
            #expect(emulator.sends().isEmpty)
        }
    }

    @Test func missingCredentialsAreRefusedWhenTheSenderIsMade() async throws {
        let store = try SQLiteLedgerStore(at: FileManager.default.temporaryDirectory
            .appendingPathComponent("smsledger-send-\(UUID().uuidString).sqlite").path)
        let transport = AsyncHTTPClientTransport()
        let error = #expect(throws: SmsSendError.self) {
            _ = try SmsSender(configuration: SMSLedgerConfiguration(), transport: transport, store: store)
        }
        #expect(error?.exitCode == 78)
        try? await transport.shutdown()
        await store.close()
        try? FileManager.default.removeItem(atPath: store.path)
    }
}

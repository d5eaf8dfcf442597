import AlibabaCloud
import AlicomEmulator
import ArgumentParser
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon

/// How the demo's receipts and replies reach the daemon.
enum DemoChannel: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// The MNS queues, polled by the daemon (the default console setting).
    case queue
    /// Alibaba's HTTP batch push to the daemon's listener (`[alibaba_push]`).
    case push
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the emulator and the daemon on loopback, drive traffic, and show the ledger.",
        discussion: """
            Everything stays on 127.0.0.1. The emulator plays Alibaba Cloud (MNS, Dybaseapi, \
            Dysmsapi) and checks every signature; the daemon is the real `smsledger run` code with \
            the given config. The demo sends SMS through the emulator's SendSms (signed RPC), records \
            each send in the ledger, injects replies from phones and one malformed message, waits \
            until both queues are drained, stops the daemon gracefully and prints what landed.
            With --channel push the emulator plays the console's "HTTP批量推送" instead: it POSTs \
            receipts and replies as JSON arrays to the daemon's [alibaba_push] paths (a random token \
            in the URL), pushing again what was not answered with code 0.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The demo configuration.", valueName: "file"))
    var config: String = "Config/smsledger.demo.toml"

    @Option(help: ArgumentHelp("How receipts and replies reach the daemon: queue (MNS, polled) or push (HTTP batch push).",
                               valueName: "queue|push"))
    var channel: DemoChannel = .queue

    @Option(help: "How many SMS to send.")
    var sends: Int = 120

    @Option(help: "How many replies from phones to inject into the SmsUp queue.")
    var replies: Int = 12

    @Option(name: .customLong("failure-share"), help: "Share of sends the fake carrier fails (0...1).")
    var failureShare: Double = 0.15

    @Option(name: .customLong("withhold-share"), help: "Share of receipts that never reach the queue (0...1).")
    var withholdShare: Double = 0.1

    @Flag(help: "Keep the existing demo ledger instead of starting from an empty one.")
    var keep = false

    @Flag(help: "Show the daemon's log lines (info level) instead of warnings only.")
    var verbose = false

    func validate() throws {
        guard (1...100_000).contains(sends) else { throw ValidationError("--sends must be in 1...100000") }
        guard (0...10_000).contains(replies) else { throw ValidationError("--replies must be in 0...10000") }
        guard (0...1).contains(failureShare), (0...1).contains(withholdShare) else {
            throw ValidationError("--failure-share and --withhold-share must be in 0...1")
        }
    }

    func run() async throws {
        var environment = ProcessInfo.processInfo.environment
        if environment["SMSLEDGER_LOGGING_LEVEL"] == nil { environment["SMSLEDGER_LOGGING_LEVEL"] = verbose ? "info" : "warning" }
        let pushToken = Self.randomToken()
        if channel == .push {
            environment["SMSLEDGER_ALIBABA_PUSH_ENABLED"] = "true"
            environment["SMSLEDGER_ALIBABA_PUSH_TOKEN"] = pushToken
        }
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigLoader.load(path: config, environment: environment)
        } catch {
            FileOutput.standardError("smsledger demo: \(error)\n")
            throw ExitCode(ConfigurationErrors.exitCode)
        }
        let settings = loaded.configuration
        guard let port = settings.alibaba.mnsEndpoint.port, settings.alibaba.mnsEndpoint.host == "127.0.0.1",
              let keyId = settings.alibaba.accessKeyID, let secret = settings.alibaba.accessKeySecret?.reveal(),
              let uid = settings.queues.accountUID else {
            throw CLIError("the demo needs a config whose endpoints are http://127.0.0.1:PORT with an access key and queues.account_uid (see Config/smsledger.demo.toml)")
        }
        if !keep { removeLedger(at: settings.store.path) }

        let emulator = AlicomEmulator(configuration: EmulatorConfiguration(
            port: port, accessKeyId: keyId, accessKeySecret: secret, accountUID: uid,
            sms: .init(receiptDelay: 1, failureShare: failureShare, withholdShare: withholdShare)))
        _ = try await emulator.start()
        FileOutput.write("emulator listening on http://127.0.0.1:\(port) (MNS, Dybaseapi, Dysmsapi)" + "\n")
        if channel == .push {
            let base = "http://127.0.0.1:\(settings.http.listen.port)\(settings.alibabaPush.pathPrefix)/\(pushToken)"
            // Retries seconds apart instead of the console's minutes, so a push made before the
            // daemon listens lands within the demo.
            emulator.setPush(PushSettings(smsReportURL: base + "/SmsReport", smsUpURL: base + "/SmsUp",
                                          retryDelayMillis: 1000, maxAttempts: 60))
            FileOutput.write("emulator pushes SmsReport and SmsUp to http://127.0.0.1:\(settings.http.listen.port)"
                + "\(settings.alibabaPush.pathPrefix)/<token>/… instead of queueing them" + "\n")
        }

        let webhooks = try await DemoWebhooks.start(settings)
        let (signals, stopDaemon) = AsyncStream<DaemonSignal>.makeStream()
        let daemon = Task { await Daemon(configPath: config, environment: environment).run(signals: signals) }
        FileOutput.write("daemon started with \(config); ledger at \(settings.store.path)" + "\n")

        let transport = AsyncHTTPClientTransport()
        do {
            try await driveTraffic(settings: settings, emulator: emulator, transport: transport)
            try await waitUntilDrained(emulator: emulator)
            if settings.compensation.enabled { try await waitUntilSettled(storePath: settings.store.path) }
            try await webhooks?.waitUntilDelivered(storePath: settings.store.path)
        } catch {
            FileOutput.standardError("smsledger demo: \(error)\n")
        }
        stopDaemon.yield(.terminate)
        stopDaemon.finish()
        let code = await daemon.value
        try? await transport.shutdown()
        await emulator.shutdown()
        await webhooks?.stop()
        guard code == 0 else { throw ExitCode(code) }
        try await DemoSummary.print(storePath: settings.store.path, emulator: emulator)
        webhooks?.printSummary()
    }

    /// Sends through SendSms (as an application would), records each send in the ledger, then adds
    /// replies and one body no normaliser can read.
    private func driveTraffic(settings: SMSLedgerConfiguration, emulator: AlicomEmulator,
                              transport: AsyncHTTPClientTransport) async throws {
        let credentials = RPCCredentials(accessKeyId: settings.alibaba.accessKeyID ?? "",
                                         accessKeySecret: settings.alibaba.accessKeySecret?.reveal() ?? "")
        let dysms = DysmsClient(rpc: RPCClient(endpoint: settings.alibaba.dysmsapiEndpoint.absoluteString,
                                               credentials: credentials, transport: transport))
        let store = try SQLiteLedgerStore(at: settings.store.path, options: SQLiteLedgerOptions(settings.store))
        var records: [SendRecord] = []
        for index in 0..<sends {
            let phone = String(format: "1380013%04d", index)
            let outId = "order-\(1000 + index)"
            let bizId = try await dysms.sendSms(phoneNumbers: phone, signName: "阿里云短信测试", templateCode: "SMS_154950909",
                                                templateParam: "{\"code\":\"\(1000 + index % 9000)\"}", outId: outId)
            records.append(SendRecord(provider: .alibaba, bizId: bizId, phoneNumber: phone, outId: outId, sentAt: Date(),
                                      templateCode: "SMS_154950909", signName: "阿里云短信测试"))
        }
        _ = try await store.commit(LedgerBatch(sends: records, firstCheckDelay: settings.compensation.firstCheckAfter.seconds))
        await store.close()
        FileOutput.write("sent \(sends) SMS through SendSms and recorded them in the ledger" + "\n")
        let texts = ["退订", "收到，谢谢", "好的", "STOP", "已确认"]
        for index in 0..<replies {
            emulator.injectReply(phone: String(format: "1380013%04d", index * 7 % max(sends, 1)), content: texts[index % texts.count])
        }
        if channel == .push {
            // Valid JSON with a field of the wrong type: quarantined on its own, its array still stored.
            emulator.enqueuePushItems(kind: .smsReport, rawItems: [#"{"biz_id":"demo-malformed","success":"maybe"}"#])
            FileOutput.write("injected \(replies) replies and 1 malformed receipt item into the pushes" + "\n")
        } else {
            emulator.enqueue(queue: emulator.smsReportQueue, bodies: ["this is not base64 JSON"])
            FileOutput.write("injected \(replies) replies into SmsUp and 1 malformed message into SmsReport" + "\n")
        }
    }

    /// Waits until no message is visible, in flight or still to come (receipts are delayed by the
    /// fake carrier), so every receipt has been committed and deleted.
    private func waitUntilDrained(emulator: AlicomEmulator) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        try await Task.sleep(for: .seconds(1))
        while ContinuousClock.now < deadline {
            let depths = emulator.queueDepths()
            let pushes = emulator.pushCounters()
            if depths.allSatisfy({ $0.visible + $0.inFlight + $0.delayed == 0 }), pushes.pending == 0 {
                if channel == .push {
                    FileOutput.write("every push was answered with code 0 after its commit: \(pushes.acceptedRequests) "
                        + "arrays, \(pushes.itemsAccepted) items (\(pushes.failedRequests) pushes failed and were retried, "
                        + "\(pushes.itemsAbandoned) items abandoned)" + "\n")
                } else {
                    FileOutput.write("both queues are empty: every message was committed, then deleted" + "\n")
                }
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError("the queues did not drain within 120 s: \(emulator.queueDepths()), pushes \(emulator.pushCounters())")
    }

    /// Withheld receipts never reach the queue; the compensation job asks QuerySendDetails about
    /// those sends once their first check is due. Wait until no tracked send is open.
    private func waitUntilSettled(storePath: String) async throws {
        FileOutput.write("waiting for the compensation job to settle the sends whose receipts were withheld…\n")
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let store = try SQLiteLedgerStore(readOnlyAt: storePath)
            let open = try await store.counts().openSends
            await store.close()
            if open == 0 {
                FileOutput.write("every send has a final state\n")
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw CLIError("some sends were still open after 60 s")
    }

    /// 32 hex digits for the push URLs (the config requires at least 16 URL-safe characters).
    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    private func removeLedger(at path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

extension Duration {
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

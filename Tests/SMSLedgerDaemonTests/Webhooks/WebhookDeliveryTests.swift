import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import Testing
@testable import SMSLedgerDaemon

@Suite("Webhook signing")
struct WebhookSignerTests {
    /// The test vector of the Standard Webhooks specification's reference libraries.
    @Test func signsTheStandardsTestVector() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func theReceiverRejectsATamperedBodyAnOldTimestampAndAnotherSecret() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let signer = try #require(WebhookSigner(secret: secret))
        let receiver = try #require(WebhookReceiver(secret: secret))
        let now = Date()
        let body = Array(#"{"type":"sms.reply"}"#.utf8)
        let headers = Dictionary(uniqueKeysWithValues: signer.headers(id: "evt_1", at: now, body: body).map { ($0.name, $0.value) })
        let (timestamp, signature) = (headers["webhook-timestamp"] ?? "", headers["webhook-signature"] ?? "")
        #expect(receiver.verify(id: "evt_1", timestamp: timestamp, signatures: signature, body: body, now: now))
        #expect(!receiver.verify(id: "evt_1", timestamp: timestamp, signatures: signature, body: body + [32], now: now))
        #expect(!receiver.verify(id: "evt_2", timestamp: timestamp, signatures: signature, body: body, now: now))
        #expect(!receiver.verify(id: "evt_1", timestamp: timestamp, signatures: signature, body: body, now: now + 301))
        let other = try #require(WebhookReceiver(secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()))
        #expect(!other.verify(id: "evt_1", timestamp: timestamp, signatures: signature, body: body, now: now))
    }
}

/// The delivery worker against a real ledger and a real HTTP receiver on loopback.
@Suite("Webhook delivery")
struct WebhookDeliveryTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    private struct Rig {
        let store: SQLiteLedgerStore
        let receiver: WebhookReceiver
        let dispatcher: WebhookDispatcher
        let task: Task<Void, Never>
        let cleanUp: @Sendable () async -> Void
    }

    private func withRig(faults: WebhookReceiver.Faults = .init(), retries: [Duration] = [.milliseconds(50), .milliseconds(50)],
                         _ body: (Rig) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-webhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = SQLiteLedgerOptions(synchronous: .normal)
        options.webhookEvents = true
        let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path, options: options)
        let receiver = try #require(WebhookReceiver(secret: Self.secret, faults: faults, seed: 7))
        let port = try await receiver.start()
        var settings = WebhookSettings()
        settings.retrySchedule = retries
        settings.pollInterval = .milliseconds(50)
        var endpoint = WebhookEndpointSettings(name: "app", url: URL(string: "http://127.0.0.1:\(port)/hooks")!,
                                               secret: Secret(Self.secret))
        endpoint.timeout = .seconds(2)
        endpoint.headers = [WebhookHeader(name: "X-Api-Key", value: "k-1")]
        settings.endpoints = [endpoint]
        try await store.registerWebhookEndpoints(["app"])
        let transport = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .seconds(2)))
        let dispatcher = WebhookDispatcher(settings: settings, outbox: store, transport: transport,
                                           logger: Logger(label: "test"))
        let task = Task { await dispatcher.run() }
        let rig = Rig(store: store, receiver: receiver, dispatcher: dispatcher, task: task) {
            task.cancel()
            _ = await task.value
            await receiver.stop()
            try? await transport.shutdown()
            await store.close()
            try? FileManager.default.removeItem(at: directory)
        }
        do { try await body(rig) } catch {
            await rig.cleanUp()
            throw error
        }
        await rig.cleanUp()
    }

    private static func replies(_ count: Int) -> LedgerBatch {
        LedgerBatch(replies: (0..<count).map { index in
            Received(InboundMessage(phoneNumber: "1380000\(1000 + index)", content: "TD", sentAt: Date(), destCode: "1",
                                    sequenceId: "\(index)", signName: nil, rawBody: Data("r\(index)".utf8)))
        })
    }

    @Test func everyEventArrivesSignedWithItsIdAndTheExtraHeaders() async throws {
        try await withRig { rig in
            _ = try await rig.store.commit(Self.replies(5))
            #expect(await eventually { rig.receiver.deliveredIDs.count == 5 })
            let requests = rig.receiver.requests
            #expect(Set(requests.map(\.id)) == Set((1...5).map { "evt_\($0)" }))
            #expect(requests.allSatisfy { $0.signatureValid && $0.headers["x-api-key"] == "k-1" })
            #expect(requests.allSatisfy { $0.headers["content-type"] == "application/json" })
            #expect(await eventually { (try? await rig.store.webhookDeliverySummary().first?.delivered) == 5 })
            #expect(rig.dispatcher.health.endpoint("app")?.delivered == 5)
        }
    }

    @Test func failedAttemptsAreRetriedWithTheSameIdUntilEveryEventIsDelivered() async throws {
        try await withRig(faults: .init(failShare: 0.34), retries: Array(repeating: .milliseconds(50), count: 20)) { rig in
            _ = try await rig.store.commit(Self.replies(30))
            #expect(await eventually(within: .seconds(30)) { rig.receiver.deliveredIDs.count == 30 })
            let failed = rig.receiver.requests.filter { $0.status >= 300 }
            #expect(!failed.isEmpty)
            #expect(Set(failed.map(\.id)).isSubset(of: rig.receiver.deliveredIDs))
        }
    }

    @Test func aDeliveryIsDeadAfterTheLastRetryAndKept() async throws {
        try await withRig(faults: .init(failShare: 1, failureStatus: 503), retries: [.milliseconds(50)]) { rig in
            _ = try await rig.store.commit(Self.replies(1))
            #expect(await eventually(within: .seconds(20)) {
                (try? await rig.store.webhookDeliverySummary().first?.dead) == 1
            })
            #expect(rig.receiver.requests.map(\.status) == [503, 503])
            #expect(try await rig.store.webhookDeliverySummary().first?.lastError == "HTTP 503")
        }
    }

    @Test func goneDisablesTheEndpointAndKeepsItsDeliveriesPending() async throws {
        try await withRig(faults: .init(gone: true)) { rig in
            _ = try await rig.store.commit(Self.replies(3))
            #expect(await eventually {
                (try? await rig.store.webhookDeliverySummary().first?.disabledReason)?.contains("410") == true
            })
            #expect(rig.dispatcher.health.endpoint("app")?.disabledReason != nil)
            let summary = try #require(try await rig.store.webhookDeliverySummary().first)
            #expect(summary.pending == 3 && summary.dead == 0)
            let requestsWhenDisabled = rig.receiver.requests.count
            rig.receiver.faults = .init()
            _ = try await rig.store.setWebhookEndpoint("app", disabledReason: nil, at: Date())
            #expect(await eventually { rig.receiver.deliveredIDs.count == 3 })
            #expect(requestsWhenDisabled >= 1)
        }
    }
}

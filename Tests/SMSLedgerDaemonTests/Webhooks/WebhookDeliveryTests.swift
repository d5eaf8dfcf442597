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
                         configure: (inout WebhookEndpointSettings) -> Void = { _ in },
                         logger: Logger = Logger(label: "test"),
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
        configure(&endpoint)
        settings.endpoints = [endpoint]
        try await store.registerWebhookEndpoints(["app"])
        let transport = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .seconds(2)))
        let dispatcher = WebhookDispatcher(settings: settings, outbox: store, transport: transport, logger: logger)
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

    @Test func anAttemptThatTimesOutIsRetriedWithTheSameIdAndSaysSoInTheJournalAndStatus() async throws {
        let log = LogRecorder()
        try await withRig(faults: .init(delay: .seconds(2)), retries: Array(repeating: .milliseconds(100), count: 30),
                          configure: { $0.timeout = .milliseconds(300) }, logger: log.logger()) { rig in
            _ = try await rig.store.commit(Self.replies(1))
            #expect(await eventually { (rig.dispatcher.health.endpoint("app")?.failedAttempts ?? 0) >= 2 })
            let failed = try #require(log.lines(atLeast: .warning).first { $0.message.contains("webhook attempt failed") })
            #expect(failed.metadata[LogKeys.webhookEndpoint] == "app")
            #expect(failed.metadata[LogKeys.webhookId] == "evt_1")
            #expect(failed.metadata[LogKeys.webhookAttempt].flatMap(Int.init) ?? 0 >= 1)
            #expect(failed.metadata[LogKeys.httpStatus] == nil, "a timeout has no HTTP status")
            #expect(rig.dispatcher.health.statusFragment.contains("app 0 delivered"))
            #expect(rig.dispatcher.health.statusFragment.contains("failed attempts (last:"))

            rig.receiver.faults = .init()
            // (The receiver also records a 204 for each timed-out request when its delay ends; the
            // sender had stopped listening by then, so the health and the ledger are what count.)
            #expect(await eventually { rig.dispatcher.health.endpoint("app")?.delivered == 1 })
            #expect(rig.receiver.deliveredIDs == ["evt_1"])
            #expect(Set(rig.receiver.requests.map(\.id)) == ["evt_1"], "every attempt carried the same webhook-id")
            #expect(await eventually { rig.dispatcher.health.statusFragment.contains("app 1 delivered") })
        }
    }

    @Test func noMoreRequestsAreInFlightThanTheEndpointAllows() async throws {
        try await withRig(faults: .init(delay: .milliseconds(150)), configure: { $0.maxInFlight = 3 }) { rig in
            _ = try await rig.store.commit(Self.replies(24))
            #expect(await eventually(within: .seconds(30)) { rig.receiver.deliveredIDs.count == 24 })
            #expect(rig.receiver.peakInFlight == 3, "three at a time, and the limit was reached")
        }
    }

    @Test func theEndpointsRateIsKeptAfterTheBurst() async throws {
        try await withRig(configure: { $0.maxPerSecond = 10; $0.maxInFlight = 8 }) { rig in
            // Measured from the commit, before which nothing can be sent, not from the first arrival:
            // a first request slowed on its way (a loaded CI machine) made the later ones look early.
            // A late request only makes these bounds easier to meet, so they hold under any load.
            let committed = Date()
            _ = try await rig.store.commit(Self.replies(30))
            #expect(await eventually(within: .seconds(30)) { rig.receiver.deliveredIDs.count == 30 })
            let arrivals = rig.receiver.requests.map(\.arrivedAt).sorted()
            let last = try #require(arrivals.last)
            // A burst of 10, then 10 per second: request n (from the 11th) no sooner than (n - 10) / 10 s
            // after the commit, so the 30th no sooner than 2 s.
            #expect(last.timeIntervalSince(committed) >= 1.95)
            for (index, arrival) in arrivals.enumerated() where index >= 10 {
                #expect(arrival.timeIntervalSince(committed) >= Double(index - 9) / 10 - 0.05,
                        "request \(index + 1) came \(arrival.timeIntervalSince(committed)) s after the commit")
            }
        }
    }
}

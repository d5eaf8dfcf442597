import AlicomEmulator
import Foundation
import LedgerStore
import Parsers
import SMSLedgerConfig
import SMSLedgerDaemon

/// The demo's webhook endpoint: the "application" that receives the ledger's events. It verifies
/// every signature with the endpoint's secret and fails a tenth of the requests, so the demo shows
/// retries arriving with the same `webhook-id`.
struct DemoWebhooks {
    let receiver: WebhookReceiver
    let endpoint: WebhookEndpointSettings

    /// `nil` when the config has no loopback `[[webhooks]]` endpoint (then the demo runs without).
    static func start(_ settings: SMSLedgerConfiguration) async throws -> DemoWebhooks? {
        guard let endpoint = settings.webhooks.endpoints.first, endpoint.url.host == "127.0.0.1",
              let port = endpoint.url.port,
              let receiver = WebhookReceiver(secret: endpoint.secret.reveal(), faults: .init(failShare: 0.1), seed: 3)
        else { return nil }
        try await receiver.start(port: port)
        FileOutput.write("webhook receiver \"\(endpoint.name)\" listening on \(endpoint.url.absoluteString) "
            + "(verifies signatures, fails 10 % of requests on purpose)\n")
        return DemoWebhooks(receiver: receiver, endpoint: endpoint)
    }

    /// Waits until the outbox has nothing left for the endpoint (every event delivered).
    func waitUntilDelivered(storePath: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let store = try SQLiteLedgerStore(readOnlyAt: storePath)
            let summary = try await store.webhookDeliverySummary().first { $0.endpoint == endpoint.name }
            await store.close()
            if let summary, summary.pending == 0, summary.backlog == 0 { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError("webhook deliveries were still pending after 60 s")
    }

    /// What arrived, by type, with a few examples.
    func printSummary() {
        let requests = receiver.requests
        let delivered = requests.filter { (200..<300).contains($0.status) }
        var byType: [String: Int] = [:]
        var seen: Set<String> = []
        for request in delivered where seen.insert(request.id).inserted {
            let type = (try? JSONValue.parse(request.body))?.objectValue?["type"]?.stringValue ?? "?"
            byType[type, default: 0] += 1
        }
        let retried = requests.count - delivered.count
        let types = byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        FileOutput.write("""

            webhooks to \(endpoint.name): \(seen.count) events delivered (\(types))
              \(requests.count) requests, \(retried) answered 500 on purpose and retried with the same webhook-id; \
            signatures verified: \(requests.filter(\.signatureValid).count) of \(requests.count)
            """ + "\n")
        for request in delivered.prefix(2) {
            FileOutput.write("  webhook-id: \(request.id)  \(String(decoding: request.body.prefix(220), as: UTF8.self))…\n")
        }
    }

    func stop() async { await receiver.stop() }
}

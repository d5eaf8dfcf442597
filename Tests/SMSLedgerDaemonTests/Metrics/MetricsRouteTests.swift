import Foundation
import LedgerStore
import Logging
import RawHTTPClient
import SMSLedgerConfig
@testable import SMSLedgerDaemon
import Testing

/// `GET /metrics` on the listener: behind the bearer token when one is set, and counting callbacks.
@Suite("Metrics on the listener")
struct MetricsRouteTests {
    func withListener(bearerToken: String?, _ body: (Int, LedgerMetrics) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path,
                                          options: SQLiteLedgerOptions(synchronous: .normal))
        var settings = HTTPSettings()
        settings.listen = ListenAddress(host: "127.0.0.1", port: 0)
        settings.bearerToken = bearerToken.map { Secret($0) }
        var logger = Logger(label: "smsledger.metrics.test")
        logger.logLevel = .critical
        let metrics = LedgerMetrics()
        let listener = HTTPListener(settings: settings, teleSignKey: nil, store: store, firstCheckDelay: 900,
                                    logger: logger, metrics: metrics, servesMetrics: true)
        let port = try await listener.start()
        do {
            try await body(port, metrics)
        } catch {
            await listener.stop()
            await store.close()
            throw error
        }
        await listener.stop()
        await store.close()
    }

    @Test func aConfiguredBearerTokenGuardsTheMetrics() async throws {
        try await withListener(bearerToken: "scrape-token-0123456789") { port, _ in
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "/metrics").status == 401)
            let authorised = try await RawHTTP.send(port: port, method: "GET", target: "/metrics",
                                                    headers: [("Authorization", "Bearer scrape-token-0123456789")])
            #expect(authorised.status == 200)
            #expect(authorised.body.contains("# TYPE smsledger_commit_duration_seconds histogram"))
        }
    }

    @Test func callbacksAndRequestsAreCountedByOutcomeAndRoute() async throws {
        try await withListener(bearerToken: nil) { port, metrics in
            // No telesign.api_key: the callback is refused with 503 so the provider retries.
            let callback = try await RawHTTP.send(port: port, method: "POST", target: "/callbacks/telesign", body: "{}")
            let health = try await RawHTTP.send(port: port, method: "GET", target: "/healthz")
            #expect(callback.status == 503)
            #expect(health.status == 200)
            let text = String(decoding: metrics.exposition(), as: UTF8.self)
            #expect(text.contains(#"smsledger_callbacks_total{endpoint="telesign_callback",outcome="unavailable"} 1"#))
            #expect(text.contains(#"smsledger_http_requests_total{route="healthz",status="2xx"} 1"#))
        }
    }
}

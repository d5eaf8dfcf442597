import Foundation
import HTTPServing
import Logging
import SMSLedgerConfig
import Synchronization

/// `GET /metrics` answers, on the listener or on a server of its own.
enum MetricsExposition {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func response(_ metrics: LedgerMetrics?) -> HTTPServerResponse {
        guard let metrics else { return ListenerResponse.error(404, "metrics are off (metrics.enabled = false)") }
        return HTTPServerResponse(status: 200, headers: HTTPHeaderFields([(name: "Content-Type", value: contentType)]),
                                  body: metrics.exposition())
    }
}

/// The metrics on an address of their own (`metrics.listen = "host:port"`): `GET /metrics` and
/// nothing else, no token; the config text says to keep it loopback or firewalled.
final class MetricsServer: Sendable {
    private let address: ListenAddress
    private let metrics: LedgerMetrics
    private let logger: Logger
    private let running = Mutex<RunningHTTPServer?>(nil)

    init(address: ListenAddress, metrics: LedgerMetrics, logger: Logger) {
        self.address = address
        self.metrics = metrics
        self.logger = logger
    }

    var port: Int? { running.withLock { $0?.port } }

    func start() async throws {
        let metrics = self.metrics
        let server = try await HTTPServer.start(
            host: address.host, port: address.port, configuration: HTTPServerConfiguration(maxBodyBytes: 1024),
            logger: logger) { request in
                switch (request.method, request.path) {
                case ("GET", ListenerRoute.metricsPath): MetricsExposition.response(metrics)
                case (_, ListenerRoute.metricsPath):
                    ListenerResponse.error(405, "only GET", headers: [("Allow", "GET")])
                default: ListenerResponse.error(404, "only /metrics is served here")
                }
            }
        running.withLock { $0 = server }
        logger.info("metrics on http://\(ListenAddress(host: address.host, port: server.port))/metrics")
    }

    func stop() async {
        let server = running.withLock { current -> RunningHTTPServer? in
            defer { current = nil }
            return current
        }
        await server?.shutdown()
    }
}

import Foundation
import HTTPServing
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore
import Synchronization

/// Why the listener could not start. Both are configuration problems: retrying will not help.
public struct HTTPListenerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var isRetryable: Bool { false }
    public var description: String { message }
}

/// The daemon's HTTP listener: `POST /v1/sends`, TeleSign-style status callbacks, `GET /healthz`.
///
/// A service with a clear life: ``start()`` binds and serves, ``stop()`` stops accepting, lets the
/// requests in flight finish (each answers only after its commit) and closes. Start it after the
/// store is open and stop it before the store closes, so no request ever meets a closed store.
///
/// Endpoints, limits and answers are documented on ``ListenerRoute``, ``SendsEndpoint``,
/// ``SendsAuthorization`` and ``TeleSignCallbackEndpoint``. Every 2xx is given only after the commit
/// is durable; a store that cannot commit answers 503 with `Retry-After`, and nothing is stored.
public final class HTTPListener: Sendable {
    public let health: ListenerHealth
    private let settings: HTTPSettings
    private let bindAddress: ListenAddress
    private let teleSignKey: Secret?
    private let push: AlibabaPushSettings
    private let store: any LedgerStore
    private let firstCheckDelay: TimeInterval
    private let logger: Logger
    private let server = Mutex<RunningHTTPServer?>(nil)
    private let metrics: LedgerMetrics?
    private let listenerMetrics: ListenerMetrics?
    private let servesMetrics: Bool

    /// - Parameters:
    ///   - settings: `[http]`; `listen` decides whether `/v1/sends` needs the bearer token.
    ///   - teleSignKey: `telesign.api_key` (base64 text); `nil` makes the callback route answer 503.
    ///   - push: `[alibaba_push]`; its two paths exist only while it is enabled.
    ///   - firstCheckDelay: when compensation first asks about a send recorded here
    ///     (`CheckSchedule.firstCheckDelay`).
    ///   - bindAddress: where to bind, when not `settings.listen`. Tests pass a loopback address with
    ///     non-loopback settings to exercise the token check; the daemon leaves it `nil`.
    ///   - metrics: counted into when set; `servesMetrics` also answers `GET /metrics` with them
    ///     (behind the bearer token when one is configured, like `/v1/sends`).
    public init(settings: HTTPSettings, teleSignKey: Secret?, push: AlibabaPushSettings = AlibabaPushSettings(),
                store: any LedgerStore, firstCheckDelay: TimeInterval, logger: Logger, bindAddress: ListenAddress? = nil,
                metrics: LedgerMetrics? = nil, servesMetrics: Bool = false) {
        self.metrics = metrics
        let listenerMetrics = metrics?.listener
        self.listenerMetrics = listenerMetrics
        self.servesMetrics = servesMetrics && metrics != nil
        health = ListenerHealth(metrics: listenerMetrics)
        self.settings = settings
        self.push = push
        self.bindAddress = bindAddress ?? settings.listen
        self.teleSignKey = teleSignKey
        self.store = store
        self.firstCheckDelay = firstCheckDelay
        self.logger = logger
    }

    /// The bound port while running, else `nil`.
    public var port: Int? { server.withLock { $0?.port } }

    /// Binds and starts serving; returns the bound port (useful with port 0).
    ///
    /// Throws ``HTTPListenerError`` for a callback path that shadows a fixed route or a TeleSign key that
    /// is not base64, and the socket's error when the address cannot be bound (in use, not local).
    @discardableResult
    public func start() async throws -> Int {
        if let running = port { return running }
        let handler = try makeHandler()
        let limit = max(settings.maxBodyBytes, TeleSignCallbackEndpoint.bodyLimit, push.enabled ? push.maxBodyBytes : 0)
        let health = self.health
        let configuration = HTTPServerConfiguration(
            maxBodyBytes: limit, idleTimeout: settings.idleTimeout, requestTimeout: settings.requestTimeout,
            maxConnections: settings.maxConnections, maxHeaderBytes: settings.maxHeaderBytes,
            maxHeaderCount: settings.maxHeaderCount, connectionEvents: { health.record(connectionEvent: $0) })
        let running = try await HTTPServer.start(
            host: bindAddress.host, port: bindAddress.port, configuration: configuration, logger: logger) { request in
                await handler(request)
            }
        server.withLock { $0 = running }
        if push.enabled {
            logger.info("accepting Alibaba HTTP pushes on \(push.pathPrefix)/…/SmsReport and …/SmsUp (token not shown)",
                        metadata: [LogKeys.httpPath: "\(push.pathPrefix)"])
        }
        logger.info("http listener on \(ListenAddress(host: bindAddress.host, port: running.port))",
                    metadata: [LogKeys.httpPath: "\(ListenerRoute.sendsPath) \(settings.telesignCallbackPath)"])
        return running.port
    }

    /// Stops accepting, lets requests in flight finish (up to the server's grace period), then closes.
    /// Safe to call more than once, and before ``start()``.
    public func stop() async {
        let running = server.withLock { current -> RunningHTTPServer? in
            let taken = current
            current = nil
            return taken
        }
        guard let running else { return }
        await running.shutdown()
        logger.info("http listener stopped after \(health.snapshot.requests) requests")
    }

    /// Builds the request handler, validating what only the listener can check.
    private func makeHandler() throws -> @Sendable (HTTPServerRequest) async -> HTTPServerResponse {
        let callbackPath = settings.telesignCallbackPath
        guard callbackPath != ListenerRoute.sendsPath, callbackPath != ListenerRoute.healthzPath,
              !(servesMetrics && callbackPath == ListenerRoute.metricsPath) else {
            throw HTTPListenerError(message: "http.telesign_callback_path \(callbackPath) is already a fixed route; choose another path")
        }
        var signature: TeleSignSignature?
        if let teleSignKey {
            guard let parsed = TeleSignSignature(base64Key: teleSignKey.reveal()) else {
                throw HTTPListenerError(message: "telesign.api_key (\(teleSignKey.source)) is not base64 text")
            }
            signature = parsed
        }
        let sends = SendsEndpoint(authorization: SendsAuthorization(settings: settings), maxBodyBytes: settings.maxBodyBytes,
                                  store: store, firstCheckDelay: firstCheckDelay, health: health, logger: logger)
        let callbacks = TeleSignCallbackEndpoint(signature: signature, path: callbackPath, store: store,
                                                 health: health, logger: logger, metrics: listenerMetrics?.teleSign)
        let pushes = AlibabaPushEndpoint(settings: push, store: store, health: health, logger: logger,
                                         metrics: listenerMetrics)
        let pushPaths = try Self.pushPaths(push, reserved: [callbackPath, ListenerRoute.sendsPath, ListenerRoute.healthzPath,
                                                            ListenerRoute.metricsPath])
        let health = self.health
        let (servesMetrics, metrics, listenerMetrics) = (self.servesMetrics, self.metrics, self.listenerMetrics)
        let metricsAuthorization = SendsAuthorization(settings: settings)
        return { request in
            let response: HTTPServerResponse
            let route = ListenerRoute.resolve(method: request.method, path: request.path, callbackPath: callbackPath,
                                              pushPaths: pushPaths, servesMetrics: servesMetrics)
            switch route {
            case .metrics:
                if case .denied(let reason) = metricsAuthorization.decide(authorization: request.headers["Authorization"]) {
                    response = ListenerResponse.error(401, reason, headers: [("WWW-Authenticate", "Bearer")])
                } else {
                    response = MetricsExposition.response(metrics)
                }
            case .alibabaPush(let kind):
                response = await pushes.handle(request, kind: kind)
            case .healthz:
                response = HTTPServerResponse(status: 200, headers: HTTPHeaderFields([(name: "Content-Type", value: "text/plain")]),
                                              body: "ok\n")
            case .recordSends:
                response = await sends.handle(request)
            case .teleSignCallback:
                response = await callbacks.handle(request)
            case .methodNotAllowed(let allow):
                response = ListenerResponse.error(405, "method \(request.method) is not allowed here",
                                                  headers: [("Allow", allow)])
            case .notFound:
                response = ListenerResponse.error(404, "no such endpoint")
            }
            health.record(status: response.status)
            listenerMetrics?.answered(route: route.metricLabel, status: response.status)
            return response
        }
    }

    /// The push path of each message type, refusing one that would shadow another route.
    private static func pushPaths(_ push: AlibabaPushSettings, reserved: [String]) throws -> [String: MessageKind] {
        var paths: [String: MessageKind] = [:]
        for kind in MessageKind.allCases {
            guard let path = push.path(messageType: kind.rawValue) else { continue }
            guard !reserved.contains(path) else {
                throw HTTPListenerError(message: "alibaba_push.path_prefix makes the \(kind.rawValue) push path an existing route")
            }
            paths[path] = kind
        }
        return paths
    }
}

import AlibabaCloud
import Foundation
import LedgerStore
import Logging
import Prometheus
import SMSLedgerConfig
import SMSLedgerCore
import ServiceLifecycle
import Synchronization
import Systemd

/// `smsledger run`: the long-running service.
///
/// Start-up order is config → logging → store → a `ServiceGroup` of listener, pollers,
/// compensator, signals and heartbeat → `READY=1` once the listener is bound and the pollers run;
/// shutdown is the reverse, with `STOPPING=1` first, bounded by ``stopDeadline``. Signals arrive
/// as a stream: SIGTERM/SIGINT shut the group down gracefully (in-flight batches are committed and
/// deleted; a long poll in flight is cancelled, which loses nothing), SIGHUP re-reads the config
/// and keeps the old one if the new one is invalid.
public final class Daemon: Sendable {
    /// Exit codes, distinct so that an operator (and `Restart=on-failure`) can tell them apart.
    public enum ExitCode {
        public static let success: Int32 = 0
        public static let failure: Int32 = 1
        /// EX_CANTCREAT: the ledger could not be opened or created.
        public static let storeUnavailable: Int32 = 73
        /// EX_CONFIG.
        public static let configuration: Int32 = ConfigurationErrors.exitCode
    }

    private let configPath: String
    private let environment: [String: String]
    private let notifier: SystemdNotifier
    /// Made on use: a `Logger` created before `LoggingSetup.bootstrap` would keep swift-log's
    /// default handler for good.
    private var logger: Logger { Logger(label: "smsledger") }
    private let state = Mutex<RunState?>(nil)

    private struct RunState: Sendable {
        var configuration: SMSLedgerConfiguration
        var runtime: PollingRuntime
        var listener: HTTPListener?
        var pruner: Pruner?
        var logSettings: LogSettings
        var metricsService: MetricsService?
        var webhooks: WebhookHealth?
        /// Why the last SIGHUP was refused; kept in `STATUS=` until a reload succeeds, so an
        /// operator who missed the journal line still sees that the file on disk is not in effect.
        var reloadRefusal: String?
    }

    private let heartbeatPeriod: Duration?
    private let stepAllowance: Duration
    private let metricsRegistry: PrometheusCollectorRegistry

    /// - Parameters:
    ///   - heartbeatPeriod: how often to send `STATUS=` and `WATCHDOG=1`; by default a third of
    ///     `WatchdogSec=` (at most 5 s).
    ///   - stepAllowance: how much longer than a long poll plus two request timeouts one step of a
    ///     poller may take before it counts as wedged and the watchdog pings stop.
    ///   - metricsRegistry: where `[metrics]` counts; the executable bootstraps swift-metrics with
    ///     the same registry, so metrics of libraries show up on `/metrics` too.
    public init(configPath: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                notifier: SystemdNotifier = SystemdNotifier(), heartbeatPeriod: Duration? = nil,
                stepAllowance: Duration = .seconds(30), metricsRegistry: PrometheusCollectorRegistry = .init()) {
        self.metricsRegistry = metricsRegistry
        self.configPath = configPath
        self.environment = environment
        self.notifier = notifier
        self.heartbeatPeriod = heartbeatPeriod
        self.stepAllowance = stepAllowance
    }

    /// The port the HTTP listener is bound to while the daemon runs, else `nil`. With
    /// `listen = "127.0.0.1:0"` this is the only way to learn it short of reading the log.
    public var httpPort: Int? { state.withLock { $0?.listener?.port } }

    /// How long a graceful stop may take before the services still stopping are cancelled: below
    /// the unit's `TimeoutStopSec=30`, so the daemon ends itself before systemd resorts to SIGKILL.
    public static let stopDeadline: Duration = .seconds(25)

    /// The HTTP listener's counters while the daemon runs (what `STATUS=` shows), else `nil`.
    public var listenerHealth: ListenerHealth.Snapshot? { state.withLock { $0?.listener?.health.snapshot } }

    /// Runs until SIGTERM/SIGINT (or until `signals` ends) and returns the process exit code.
    ///
    /// The store and the HTTP client are opened here and closed here, once, whatever happened in
    /// between; everything that runs in between is a service of one `ServiceGroup` (see
    /// `DaemonServices.swift`).
    public func run(signals: AsyncStream<DaemonSignal>? = nil) async -> Int32 {
        let signals = signals ?? SignalEvents.process
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigLoader.load(path: configPath, environment: environment)
        } catch {
            FileOutput.standardError("smsledger: the configuration is not valid:\n\(error)\n")
            return ExitCode.configuration
        }
        let configuration = loaded.configuration
        let logSettings = LoggingSetup.bootstrap(
            level: configuration.logging.level.swiftLogLevel, format: configuration.logging.format.logFormat,
            maskPhones: configuration.logging.maskPhoneNumbers)
        loaded.warnings.forEach { logger.warning("\($0)") }

        let metrics = configuration.metrics.enabled ? LedgerMetrics(registry: metricsRegistry) : nil
        let store: any LedgerStore
        let location = LedgerOpening.location(configuration.store)
        do {
            store = try await LedgerOpening.open(configuration.store, webhooks: configuration.webhooks, observer: metrics)
        } catch {
            logger.critical("cannot open the ledger: \(error)", metadata: [LogKeys.storePath: "\(location)"])
            _ = notifier.status("cannot open the ledger at \(location): \(error)")
            return ExitCode.storeUnavailable
        }
        // Each long poll holds a connection for its whole wait: size the pool so pollers never queue.
        let enabledQueues = [configuration.queues.smsReport, configuration.queues.smsUp].filter(\.enabled).count
        let transport = AsyncHTTPClientTransport(configuration: .init(connectionsPerHost: max(
            16, configuration.polling.pollersPerQueue * enabledQueues + configuration.compensation.concurrency + 4)))
        let webhooks = WebhookTransport.make(configuration.webhooks)
        let code = await serve(configuration, logSettings: logSettings, store: store, transport: transport,
                               webhooks: webhooks, signals: signals, metrics: metrics)
        await store.close()
        try? await transport.shutdown()
        try? await webhooks?.shutdown()
        logger.info("stopped")
        return code
    }

    /// Builds the services for `configuration` and runs them as one group until it shuts down.
    private func serve(_ configuration: SMSLedgerConfiguration, logSettings: LogSettings, store: any LedgerStore,
                       transport: AsyncHTTPClientTransport, webhooks: AsyncHTTPClientTransport?,
                       signals: AsyncStream<DaemonSignal>, metrics: LedgerMetrics?) async -> Int32 {
        let runtime: PollingRuntime
        do {
            runtime = try PollingRuntime(configuration: configuration, store: store, transport: transport, logger: logger,
                                         metrics: metrics)
        } catch {
            FileOutput.standardError("smsledger: the configuration is not valid:\n\(error)\n")
            return ExitCode.configuration
        }
        let listener = Self.makeListener(configuration, store: store, logger: logger, metrics: metrics)
        let pruner = (store as? any LedgerRetention).flatMap { Self.makePruner(configuration, store: $0, logger: logger) }
        let outbox = store as? any WebhookOutbox
        let dispatcher = webhooks.flatMap { transport in outbox.map { WebhookDispatcher(
            settings: configuration.webhooks, outbox: $0, transport: transport, logger: logger,
            observer: metrics?.webhooks(endpoints: configuration.webhooks.endpoints.map(\.name))) } }
        let started = StartupBarrier(count: listener == nil ? 2 : 3)
        let bindFailure = FailureNote()
        let current: @Sendable () -> PollingRuntime? = { [self] in currentRuntime() }
        let metricsService = makeMetricsService(configuration, metrics: metrics, store: store, runtime: current,
                                                started: started, bindFailure: bindFailure)
        state.withLock {
            $0 = RunState(configuration: configuration, runtime: runtime, listener: listener, pruner: pruner,
                          logSettings: logSettings, metricsService: metricsService, webhooks: dispatcher?.health)
        }
        var services: [any Service] = []
        if let listener { services.append(ListenerService(listener: listener, started: started, bindFailure: bindFailure)) }
        services.append(metricsService)
        services += [
            PollersService(runtime: current, started: started),
            CompensatorService(runtime: current),
        ]
        if let pruner { services.append(RetentionService(pruner: pruner)) }
        if let dispatcher { services.append(WebhookDeliveryService(dispatcher: dispatcher)) }
        services += [
            SignalService(signals: signals) { [self] in await reload(store: store, transport: transport) },
            HeartbeatService(started: started, ready: { [self] in announceReady() }, beat: { [self] in await heartbeat() },
                             stopping: { [self] in announceStopping() }),
        ]
        // Any service ending, normally or not, shuts the whole group down gracefully: a listener
        // that cannot bind must not leave the pollers running without it.
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                           failureTerminationBehavior: .gracefullyShutdownGroup) },
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = Self.stopDeadline
        var groupFailure: (any Error)?
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            groupFailure = error
        }
        // A bind failure is a configuration error whether or not the group reports it as its error.
        if let failure = bindFailure.reason {
            logger.critical("cannot start the HTTP listener on \(configuration.http.listen) (or the metrics server): \(failure)")
            return ExitCode.configuration
        }
        if let groupFailure {
            logger.critical("a service failed: \(groupFailure)")
            return ExitCode.failure
        }
        return ExitCode.success
    }

    private func announceReady() {
        guard let current = state.withLock({ $0 }) else { return }
        logger.info("ready", metadata: [LogKeys.storePath: "\(LedgerOpening.location(current.configuration.store))",
                                        "pollers": "\(current.runtime.pollers.count)"])
        _ = notifier.ready()
    }

    private func announceStopping() {
        _ = notifier.stopping()
        logger.info("stopping: finishing in-flight batches")
    }

    /// The listener for `POST /v1/sends`, provider callbacks and pushes, when `[http] enabled`;
    /// ``ListenerService`` binds it.
    private static func makeListener(_ configuration: SMSLedgerConfiguration, store: any LedgerStore,
                                     logger: Logger, metrics: LedgerMetrics?) -> HTTPListener? {
        guard configuration.http.enabled else { return nil }
        let schedule = CheckSchedule(firstCheckAfter: configuration.compensation.firstCheckAfter,
                                     backoff: configuration.compensation.backoff)
        return HTTPListener(settings: configuration.http, teleSignKey: configuration.telesign.apiKey,
                            push: configuration.alibabaPush, store: store,
                            firstCheckDelay: schedule.firstCheckDelay, logger: logger, metrics: metrics,
                            servesMetrics: configuration.metrics.listen == .listener)
    }

    /// The gauges' refresher and silent-queue check, with the metrics server when metrics have an
    /// address of their own.
    private func makeMetricsService(_ configuration: SMSLedgerConfiguration, metrics: LedgerMetrics?, store: any LedgerStore,
                                    runtime: @escaping @Sendable () -> PollingRuntime?, started: StartupBarrier,
                                    bindFailure: FailureNote) -> MetricsService {
        var server: MetricsServer?
        if let metrics, case .separate(let address) = configuration.metrics.listen {
            server = MetricsServer(address: address, metrics: metrics, logger: logger)
        }
        let fallback = configuration.metrics.silentQueueAfter
        return MetricsService(metrics: metrics, server: server, store: store, runtime: runtime,
                              silentAfter: { [self] in state.withLock { $0?.configuration.metrics.silentQueueAfter } ?? fallback },
                              logger: logger, started: started, bindFailure: bindFailure)
    }

    /// The retention pruner, unless `[store] retention_days = 0` keeps everything.
    private static func makePruner(_ configuration: SMSLedgerConfiguration, store: any LedgerRetention,
                                   logger: Logger) -> Pruner? {
        let policy = RetentionPolicy(retentionDays: configuration.store.retentionDays,
                                     openSendWindowDays: max(30, configuration.compensation.windowDays))
        guard policy.prunes else { return nil }
        return Pruner(settings: Pruner.Settings(policy: policy, interval: configuration.store.pruneInterval),
                      store: store, logger: logger)
    }

    private func currentRuntime() -> PollingRuntime? {
        state.withLock { $0?.runtime }
    }

    /// SIGHUP: read the config again and apply it without losing in-flight work.
    ///
    /// Log level and polling settings apply in place. A change of credentials, endpoints, queue
    /// names or poller count builds a new polling runtime; the old one is stopped gracefully first
    /// so no batch is abandoned half-way. The store path is fixed for the life of the process.
    private func reload(store: any LedgerStore, transport: any HTTPTransport) async {
        _ = notifier.reloading()
        defer { _ = notifier.ready() }
        guard let current = state.withLock({ $0 }) else { return }
        let loaded: LoadedConfiguration
        do {
            loaded = try ConfigLoader.load(path: configPath, environment: environment)
        } catch {
            refuseReload(error)
            return
        }
        let next = loaded.configuration
        loaded.warnings.forEach { logger.warning("\($0)") }
        if next.store != current.configuration.store {
            logger.warning("store settings changed; they take effect at the next restart")
        }
        if next.http != current.configuration.http || next.telesign != current.configuration.telesign
            || next.alibabaPush != current.configuration.alibabaPush
            || next.metrics.enabled != current.configuration.metrics.enabled || next.metrics.listen != current.configuration.metrics.listen {
            logger.warning("[http], [alibaba_push], [telesign] and [metrics] enabled/listen settings changed; they take effect at the next restart")
        }
        if next.webhooks != current.configuration.webhooks {
            logger.warning("[[webhooks]] and [webhook_delivery] settings changed; they take effect at the next restart")
        }
        var runtime = current.runtime
        if PollingFingerprint(next) != current.runtime.fingerprint {
            do {
                let fresh = try PollingRuntime(configuration: next, store: store, transport: transport, logger: logger,
                                               metrics: current.runtime.metrics)
                await current.runtime.stop()
                fresh.start()
                runtime = fresh
            } catch {
                refuseReload(error)
                return
            }
        } else {
            runtime.update(next)
        }
        current.logSettings.level = next.logging.level.swiftLogLevel
        current.logSettings.maskPersonalData = next.logging.maskPhoneNumbers
        state.withLock { s in
            s?.configuration = next
            s?.runtime = runtime
            s?.reloadRefusal = nil
        }
        logger.notice("configuration reloaded", metadata: ["pollers": "\(runtime.pollers.count)"])
    }

    private func refuseReload(_ error: any Error) {
        logger.error("reload refused, keeping the running configuration: \(error)")
        let reason = (error as? ConfigurationErrors)?.errors.first?.description ?? "\(error)"
        state.withLock { $0?.reloadRefusal = reason }
        _ = notifier.status("reload refused (invalid configuration); running with the previous one: \(reason)")
    }

    /// Every few seconds until cancelled: `STATUS=` with a one-line summary, and `WATCHDOG=1` only
    /// while every poller is alive. A wedged poller (a step stuck far longer than a long poll plus
    /// its timeout) stops the pings, so systemd's watchdog restarts us.
    private func heartbeat() async {
        let period = heartbeatPeriod ?? min(notifier.watchdogInterval().map { $0 / 3 } ?? .seconds(5), .seconds(5))
        var wasAlive = true
        while !Task.isCancelled {
            if let (line, alive) = statusLine() {
                _ = notifier.status(line)
                if alive { _ = notifier.watchdogPing() }
                if alive != wasAlive {
                    if alive { logger.notice("progress again; watchdog pings resume") }
                    else { logger.critical("withholding the watchdog ping: \(line)") }
                    wasAlive = alive
                }
            }
            try? await Task.sleep(for: period)
        }
    }

    func statusLine() -> (String, Bool)? {
        guard let current = state.withLock({ $0 }) else { return nil }
        let maxStep = current.configuration.polling.wait + current.configuration.alibaba.requestTimeout * 2 + stepAllowance
        let now = ContinuousClock.now
        let snapshots = current.runtime.pollers.map(\.health.snapshot)
        var wedged = current.runtime.pollers.filter { !$0.health.isAlive(now: now, maxStep: maxStep) }.map(\.id)
        if let compensator = current.runtime.compensator, !compensator.health.isAlive(now: now, maxStall: maxStep * 4) {
            wedged.append("compensator")
        }
        var line = DaemonStatus.line(snapshots)
        if let refusal = current.reloadRefusal { line = "reload refused, previous config running: \(refusal) | " + line }
        if !wedged.isEmpty { line = "WEDGED (no progress for over \(maxStep)): \(wedged.joined(separator: ", ")) | " + line }
        if let compensator = current.runtime.compensator { line += " | " + compensator.health.snapshot.statusFragment }
        if let listener = current.listener { line += " | " + listener.health.snapshot.statusFragment }
        if let silent = current.metricsService?.statusFragment { line = "QUEUE " + silent + " | " + line }
        if let pruner = current.pruner { line += " | " + pruner.snapshot.statusFragment }
        if let webhooks = current.webhooks { line += " | " + webhooks.statusFragment }
        return (line, wedged.isEmpty)
    }
}

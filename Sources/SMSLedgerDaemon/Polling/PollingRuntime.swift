import AlibabaCloud
import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore

/// Everything that talks to Alibaba for one configuration: the credentials, the token providers
/// and the pollers of both queues. A reload that changes any of it builds a new runtime and stops
/// the old one gracefully, so in-flight batches finish (commit, then delete) under the settings
/// they started with.
public final class PollingRuntime: Sendable {
    public let pollers: [QueuePoller]
    /// Asks QuerySendDetails about sends whose receipts never came; `nil` when disabled.
    public let compensator: Compensator?
    public let fingerprint: PollingFingerprint
    /// What the pollers and the compensator count into; a runtime built by a reload keeps it.
    public let metrics: LedgerMetrics?

    /// Builds the runtime; nothing starts until ``start()``. `now` and `jitter` go to every poller
    /// (see ``QueuePoller``); tests replace them.
    public init(configuration: SMSLedgerConfiguration, store: any LedgerStore, transport: any HTTPTransport,
                logger: Logger, metrics: LedgerMetrics? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) throws(ConfigurationErrors) {
        let alibaba = configuration.alibaba
        fingerprint = PollingFingerprint(configuration)
        self.metrics = metrics
        let queues = [(MessageKind.smsReport, configuration.queues.smsReport), (MessageKind.smsUp, configuration.queues.smsUp)]
            .filter { $0.1.enabled }
        // A deployment that only takes callbacks or pushes talks to no Alibaba API: no credentials.
        guard !queues.isEmpty || configuration.compensation.enabled else {
            compensator = nil
            pollers = []
            return
        }
        guard let keyId = alibaba.accessKeyID, let secret = alibaba.accessKeySecret else {
            let needs = [queues.isEmpty ? nil : "poll the queues", configuration.compensation.enabled ? "run compensation" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            throw ConfigurationErrors([ConfigurationError(
                file: nil, line: nil, key: "alibaba.access_key_id",
                message: "alibaba.access_key_id and a secret (access_key_secret_file, _env, _credential or inline) are "
                    + "required to \(needs); switch those off (queues.sms_report_enabled, queues.sms_up_enabled, "
                    + "compensation.enabled) to run only the HTTP listener")])
        }
        let credentials = RPCCredentials(accessKeyId: keyId, accessKeySecret: secret.reveal())
        let timeout = alibaba.requestTimeout
        var dybaseapiRPC = RPCClient(endpoint: alibaba.dybaseapiEndpoint.absoluteString, credentials: credentials,
                                     transport: transport, regionId: alibaba.regionID, timeout: timeout)
        var dysmsRPC = RPCClient(endpoint: alibaba.dysmsapiEndpoint.absoluteString, credentials: credentials,
                                 transport: transport, regionId: alibaba.regionID, timeout: timeout)
        dybaseapiRPC.observer = metrics
        dysmsRPC.observer = metrics
        let dybaseapi = DybaseapiClient(rpc: dybaseapiRPC)
        let dysms = DysmsClient(rpc: dysmsRPC)
        compensator = configuration.compensation.enabled
            ? Compensator(store: store, source: dysms, settings: CompensatorSettings(configuration.compensation), logger: logger,
                          metrics: metrics?.compensation)
            : nil

        var pollers: [QueuePoller] = []
        let polling = configuration.polling
        let settings = PollerSettings(polling)
        let policy = RetryPolicy(maxBackoff: polling.maxBackoff, configurationRetry: polling.configErrorRetry)
        for (kind, _) in queues {
            guard let queueName = configuration.queues.resolvedName(for: kind) else {
                throw ConfigurationErrors([ConfigurationError(
                    file: nil, line: nil, key: "queues.account_uid",
                    message: "no queue name for \(kind.rawValue): set queues.account_uid or queues.\(kind == .smsReport ? "sms_report" : "sms_up")")])
            }
            let tokens = MNSTokenProvider(
                messageType: kind == .smsReport ? .smsReport : .smsUp, queueName: queueName, fetcher: dybaseapi,
                refreshMargin: alibaba.tokenRefreshMargin, logger: logger)
            var client = MNSClient(endpoint: alibaba.mnsEndpoint.absoluteString, tokens: tokens, transport: transport,
                                   requestTimeout: timeout, logger: logger)
            client.observer = metrics
            let source = MNSMessageSource(queueName: queueName, client: client)
            for index in 0..<polling.pollersPerQueue {
                pollers.append(QueuePoller(id: "\(kind.rawValue)-\(index + 1)", kind: kind, source: source, store: store,
                                           settings: settings, policy: policy, logger: logger,
                                           metrics: metrics?.queue(kind.rawValue, channel: "mns"), now: now,
                                           jitter: jitter))
            }
        }
        self.pollers = pollers
    }

    public func start() {
        startPollers()
        startCompensator()
    }

    public func startPollers() {
        pollers.forEach { $0.start() }
    }

    public func startCompensator() {
        compensator?.start()
    }

    /// Stops every poller and the compensator gracefully (in-flight batches are committed and
    /// deleted first; questions in flight are answered and applied).
    public func stop() async {
        async let pollersStopped: Void = stopPollers()
        await stopCompensator()
        await pollersStopped
    }

    public func stopPollers() async {
        await withTaskGroup(of: Void.self) { group in
            for poller in pollers { group.addTask { await poller.stop() } }
        }
    }

    public func stopCompensator() async {
        await compensator?.stop()
    }

    /// Applies settings that do not need new clients (batch size, wait, compensation pace).
    public func update(_ configuration: SMSLedgerConfiguration) {
        let settings = PollerSettings(configuration.polling)
        pollers.forEach { $0.update(settings) }
        compensator?.update(CompensatorSettings(configuration.compensation))
    }
}

/// The parts of a configuration that need a new ``PollingRuntime`` when they change.
public struct PollingFingerprint: Sendable, Equatable {
    var accessKeyID: String?
    var secret: String?
    var endpoints: [String]
    var queues: [String?]
    var pollersPerQueue: Int
    var retry: [Duration]
    var timeouts: [Duration]
    var compensationEnabled: Bool

    init(_ c: SMSLedgerConfiguration) {
        accessKeyID = c.alibaba.accessKeyID
        secret = c.alibaba.accessKeySecret?.reveal()
        endpoints = [c.alibaba.dybaseapiEndpoint, c.alibaba.dysmsapiEndpoint, c.alibaba.mnsEndpoint].map(\.absoluteString)
            + [c.alibaba.regionID]
        queues = [c.queues.smsReport.enabled ? c.queues.resolvedName(for: .smsReport) : nil,
                  c.queues.smsUp.enabled ? c.queues.resolvedName(for: .smsUp) : nil]
        pollersPerQueue = c.polling.pollersPerQueue
        retry = [c.polling.maxBackoff, c.polling.configErrorRetry]
        timeouts = [c.alibaba.requestTimeout, c.alibaba.tokenRefreshMargin]
        compensationEnabled = c.compensation.enabled
    }
}

extension QueueSettings {
    /// The explicit queue name, else `Alicom-Queue-<uid>-<type>` when the UID is set.
    public func resolvedName(for kind: MessageKind) -> String? {
        let subscription = kind == .smsReport ? smsReport : smsUp
        if let name = subscription.name, !name.isEmpty { return name }
        guard let uid = accountUID, !uid.isEmpty else { return nil }
        return QueueSettings.derivedName(accountUID: uid, messageType: kind == .smsReport ? "SmsReport" : "SmsUp")
    }
}

extension PollerSettings {
    public init(_ polling: PollingSettings) {
        self.init(batchSize: polling.batchSize, waitSeconds: Int(polling.wait.components.seconds),
                  highDequeueCount: polling.highDequeueCount)
    }
}

import Synchronization
import SMSLedgerCore
import Foundation
import HTTPServing
import Logging

/// A local stand-in for Alibaba Cloud's MNS, Dybaseapi and Dysmsapi on one port, checking
/// signatures, tokens and clocks the way the services do.
///
/// Use it in-process from tests (``start()`` then the Swift API below) or as `smsledger emulator`.
/// Every SDK-facing behaviour is also reachable over HTTP: `/` answers RPC, `/queues/...` MNS, and
/// `/_emulator/...` is an unsigned admin interface (see `AdminAPI.swift`).
public final class AlicomEmulator: Sendable {
    public let configuration: EmulatorConfiguration
    /// Internal, not private: the push API lives in its own file (`AlicomEmulator+Push.swift`).
    let core: EmulatorCore
    private let server = Mutex<RunningHTTPServer?>(nil)

    public init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        core = EmulatorCore(configuration: configuration)
    }

    /// Starts listening; returns the bound port (the real one when the configuration says 0).
    @discardableResult
    public func start(logger: Logger = Logger(label: "smsledger.emulator")) async throws -> Int {
        let core = self.core
        // Generous limits and no connection cap: clients (AsyncHTTPClient pools idle connections for
        // 60 s) close their idle connections before the emulator does, as they would against Alibaba,
        // and load tests may open many. Long polls are being handled, so no timeout applies to them.
        let running = try await HTTPServer.start(
            host: configuration.host, port: configuration.port,
            configuration: HTTPServerConfiguration(maxBodyBytes: configuration.maxBodyBytes,
                                                   shutdownGracePeriod: .seconds(2), cancelsHandlerOnDisconnect: true,
                                                   idleTimeout: .seconds(120), requestTimeout: .seconds(60),
                                                   maxConnections: nil),
            logger: logger) { request in await core.route(request) }
        server.withLock { $0 = running }
        core.push.start()
        return running.port
    }

    /// Stops the pushers, answers parked long-polls with "no message", then stops the server.
    public func shutdown() async {
        await core.push.stop()
        core.broker.releaseWaiters()
        let running = server.withLock { server -> RunningHTTPServer? in
            defer { server = nil }
            return server
        }
        await running?.shutdown()
    }

    /// The bound port, once started.
    public var port: Int? { server.withLock { $0?.port } }

    /// `http://host:port`, the endpoint to give MNS and RPC clients.
    public var endpoint: String? { port.map { "http://\(configuration.host):\($0)" } }

    public var smsReportQueue: String { configuration.smsReportQueue }
    public var smsUpQueue: String { configuration.smsUpQueue }

    // MARK: Queues

    /// Adds a queue beyond the two Alicom ones (they always exist).
    public func createQueue(_ name: String) {
        core.createQueue(name)
    }

    /// Enqueues raw `MessageBody` texts (Alicom bodies are base64 JSON); returns their message ids,
    /// or `nil` when the queue does not exist.
    @discardableResult
    public func enqueue(queue: String, bodies: [String], delay: TimeInterval = 0) -> [String]? {
        core.enqueue(queue: queue, bodies: bodies, delayMillis: EpochMillis(delay * 1000))?.map(\.id)
    }

    /// Enqueues `count` generated bodies with a realistic mix (receipts for SmsReport, replies for SmsUp).
    @discardableResult
    public func enqueueGenerated(queue: String, count: Int, failureShare: Double = 0.1) -> Int {
        var random = core.makeGenerator()
        let bodies = AlicomBodies.generated(count: count, smsUp: queue == smsUpQueue, failureShare: failureShare,
                                            random: &random, now: Date().epochMillis)
        return core.enqueue(queue: queue, bodies: bodies)?.count ?? 0
    }

    /// Puts a reply from `phone` into the SmsUp queue; returns the message id.
    @discardableResult
    public func injectReply(phone: String, content: String, destCode: String = "1234", sequenceId: Int64? = nil,
                            signName: String? = nil) -> String? {
        core.injectSmsUp(phone: phone, content: content, destCode: destCode, sequenceId: sequenceId, signName: signName)
    }

    public func queueDepths() -> [QueueDepth] {
        core.broker.depths()
    }

    public func depth(of queue: String) -> QueueDepth? {
        queueDepths().first { $0.name == queue }
    }

    // MARK: Faults and tokens

    public var faults: EmulatorFaults {
        get { core.faults.faults }
        set { core.faults.faults = newValue }
    }

    /// The ids of messages damaged for good by `corruptBodyShare` or `unparsableAnswerShare` so far,
    /// so that a test knows which messages can never be read.
    public var permanentlyDamagedMessageIds: Set<String> { core.faults.permanentlyDamagedIds }

    /// Changes the SMS flow for sends from now on.
    public func setSmsFlow(_ flow: EmulatorConfiguration.SmsFlow) {
        core.smsFlow.withLock { $0 = flow }
    }

    /// "Tokens that die early": every token issued so far expires now.
    public func expireAllTokens() {
        core.tokens.expireAll(now: Date())
    }

    public func issuedTokens() -> [IssuedToken] {
        core.tokens.all()
    }

    // MARK: Ground truth

    /// Every recipient of every SendSms with its real outcome, including withheld receipts.
    public func sends() -> [SmsSendRecord] {
        core.carrier.all()
    }

    /// QuerySendDetails calls so far, by phone number and send date.
    public func sendDetailsQueries() -> [SendDetailsQueryCount] {
        core.sendDetailsQueries.all()
    }

    /// Records a send as SendSms would (without signing); returns the BizId.
    @discardableResult
    public func recordSend(phones: [String], signName: String = "阿里云短信测试", templateCode: String = "SMS_154950909",
                           templateParam: String? = "{\"code\":\"1234\"}", outId: String? = nil) -> String {
        core.sendSms(phones: phones, signName: signName, templateCode: templateCode, templateParam: templateParam,
                     outId: outId)
    }

    /// Empties queues and push outboxes and forgets sends, query counts, tokens and nonces; faults off,
    /// push settings back to the configuration's, push counters zero. Long-polls answer "empty".
    public func reset() {
        core.reset()
    }
}

import AlibabaCloud
import AlicomEmulator
import Foundation

/// A running ``AlicomEmulator`` and our production clients pointed at it over loopback.
///
/// The scripted-transport tests check what the clients do with answers we wrote by hand; this rig
/// checks them against something that signs, times out, hands out receipt handles and refuses
/// tokens the way Alibaba Cloud does. Every client shares one real ``AsyncHTTPClientTransport``,
/// as in the daemon.
struct EmulatorRig: Sendable {
    static let keyId = "LTAI5tClientRigKeyId"
    static let secret = "ClientRigSecret0123456789abcdef"

    let emulator: AlicomEmulator
    let transport: AsyncHTTPClientTransport
    let endpoint: String

    var reportQueue: String { emulator.smsReportQueue }
    var upQueue: String { emulator.smsUpQueue }

    /// Starts an emulator and a transport, runs `body`, and always shuts both down, also when
    /// `body` throws (a failed `#require`), so a failing test leaks neither a port nor an event loop.
    static func with(_ configure: (inout EmulatorConfiguration) -> Void = { _ in },
                     _ body: (EmulatorRig) async throws -> Void) async throws {
        var configuration = EmulatorConfiguration(accessKeyId: keyId, accessKeySecret: secret, randomSeed: 7)
        configure(&configuration)
        let emulator = AlicomEmulator(configuration: configuration)
        let port = try await emulator.start()
        // A short connect timeout: a refused connect would otherwise be retried for 10 s.
        let transport = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .seconds(2)))
        let rig = EmulatorRig(emulator: emulator, transport: transport, endpoint: "http://127.0.0.1:\(port)")
        var failure: (any Error)?
        do {
            try await body(rig)
        } catch {
            failure = error
        }
        do {
            try await transport.shutdown()
        } catch {
            failure = failure ?? error
        }
        await emulator.shutdown()
        if let failure { throw failure }
    }

    // MARK: Clients

    func rpc(keyId: String = EmulatorRig.keyId, secret: String = EmulatorRig.secret,
             timeout: Duration = .seconds(5)) -> RPCClient {
        RPCClient(endpoint: endpoint, credentials: RPCCredentials(accessKeyId: keyId, accessKeySecret: secret),
                  transport: transport, timeout: timeout)
    }

    func dybaseapi(keyId: String = EmulatorRig.keyId, secret: String = EmulatorRig.secret) -> DybaseapiClient {
        DybaseapiClient(rpc: rpc(keyId: keyId, secret: secret))
    }

    func dysms(timeout: Duration = .seconds(5)) -> DysmsClient {
        DysmsClient(rpc: rpc(timeout: timeout))
    }

    /// The production token source for `messageType`, fetching from the emulator's Dybaseapi.
    func tokenProvider(_ messageType: AlicomMessageType = .smsReport) -> MNSTokenProvider {
        let queue = messageType == .smsUp ? upQueue : reportQueue
        return MNSTokenProvider(messageType: messageType, queueName: queue, fetcher: dybaseapi())
    }

    /// An MNS client with test-sized deadlines: a long poll may overrun its `waitseconds` by
    /// `longPollMargin`; deletes and visibility changes get `requestTimeout`.
    func mns(tokens: any QueueTokenSource, longPollMargin: Duration = .seconds(3),
             requestTimeout: Duration = .seconds(5)) -> MNSClient {
        MNSClient(endpoint: endpoint, tokens: tokens, transport: transport, longPollMargin: longPollMargin,
                  requestTimeout: requestTimeout)
    }

    /// An MNS client signing with tokens from ``tokenProvider(_:)``.
    func mns(_ messageType: AlicomMessageType = .smsReport) -> MNSClient {
        mns(tokens: tokenProvider(messageType))
    }

    /// One token fetched through our Dybaseapi client.
    func fetchToken(_ messageType: AlicomMessageType = .smsReport) async throws -> QueueToken {
        let queue = messageType == .smsUp ? upQueue : reportQueue
        return try await dybaseapi().queryTokenForMnsQueue(messageType: messageType, queueName: queue)
    }

    /// The long-term key dressed as a queue token (no security token). The emulator, like MNS,
    /// lets the account's own key reach any queue, which is the only way to ask about a queue
    /// that does not exist: a Dybaseapi token is bound to one real queue.
    var longTermKeyAsToken: QueueToken {
        QueueToken(messageType: .smsReport, accessKeyId: Self.keyId, accessKeySecret: Self.secret,
                   securityToken: "", expiresAt: Date().addingTimeInterval(3_600))
    }

    // MARK: Seeding

    /// Enqueues `count` base64 bodies shaped like Alicom's (base64 of a JSON object) into `queue`;
    /// returns message id → body.
    func enqueueReceipts(_ count: Int, into queue: String? = nil) throws -> [String: String] {
        let bodies = (0..<count).map { index in
            Data("{\"phone_number\":\"1380013\(String(format: "%04d", index))\",\"success\":true}".utf8)
                .base64EncodedString()
        }
        guard let ids = emulator.enqueue(queue: queue ?? reportQueue, bodies: bodies), ids.count == count else {
            throw RigError.enqueueRefused
        }
        return Dictionary(uniqueKeysWithValues: zip(ids, bodies))
    }

    enum RigError: Error {
        case enqueueRefused
    }
}

/// `yyyyMMdd` in UTC+8, the `SendDate` QuerySendDetails wants, for a day `daysAgo` before today.
func beijingSendDate(daysAgo: Int = 0, from now: Date = Date()) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3_600) ?? .gmt
    let day = now.addingTimeInterval(-Double(daysAgo) * 86_400)
    let parts = calendar.dateComponents([.year, .month, .day], from: day)
    return String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
}

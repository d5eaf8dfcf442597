import Crypto
import Foundation
import HTTPServing
import NIOCore
import SMSLedgerCore
import Synchronization

/// A webhook endpoint for tests and the demo: it checks every request's Standard Webhooks signature
/// with the endpoint secret, records what arrived, and misbehaves on demand (fails a share of the
/// requests, answers slowly, answers 410 Gone), the ways a real application's endpoint fails.
public final class WebhookReceiver: Sendable {
    public struct Faults: Sendable, Equatable {
        /// Share of requests answered `failureStatus` (0...1), drawn from the seeded generator.
        public var failShare: Double
        public var failureStatus: Int
        /// Wait this long before answering (longer than the sender's timeout makes it time out).
        public var delay: Duration?
        /// Answer every request 410 Gone.
        public var gone: Bool

        public init(failShare: Double = 0, failureStatus: Int = 500, delay: Duration? = nil, gone: Bool = false) {
            self.failShare = failShare
            self.failureStatus = failureStatus
            self.delay = delay
            self.gone = gone
        }
    }

    /// One request as it arrived, with the receiver's verdict on its signature.
    public struct Request: Sendable, Equatable {
        public var id: String
        public var timestamp: String
        public var signature: String
        public var body: [UInt8]
        public var signatureValid: Bool
        /// What the receiver answered (0 when the answer was a timeout it never sent).
        public var status: Int
        public var headers: [String: String]
        /// When the request's handler started (before any `delay`).
        public var arrivedAt: Date
    }

    private struct State {
        var faults: Faults
        var random: SeededGenerator
        var requests: [Request] = []
        var inFlight = 0
        var peakInFlight = 0
    }

    private let key: SymmetricKey
    private let state: Mutex<State>
    /// How far a timestamp may be from now, as the official libraries allow (5 minutes).
    static let tolerance: TimeInterval = 300

    /// - Parameter secret: `whsec_…`, the endpoint's secret; `nil` when it cannot be decoded.
    public init?(secret: String, faults: Faults = Faults(), seed: UInt64 = 1) {
        guard let bytes = WebhookSigningKey.decode(secret) else { return nil }
        key = SymmetricKey(data: bytes)
        state = Mutex(State(faults: faults, random: SeededGenerator(seed: seed)))
    }

    public var faults: Faults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    public var requests: [Request] { state.withLock { $0.requests } }

    /// The most requests the receiver was handling at one time: what a sender's concurrency limit
    /// allowed (with a `delay`, each request is held long enough to overlap the next ones).
    public var peakInFlight: Int { state.withLock { $0.peakInFlight } }

    /// Distinct `webhook-id`s answered 2xx.
    public var deliveredIDs: Set<String> {
        Set(requests.filter { (200..<300).contains($0.status) }.map(\.id))
    }

    private let server = Mutex<RunningHTTPServer?>(nil)

    /// Binds on loopback (port 0: any free port) and returns the port.
    @discardableResult
    public func start(port: Int = 0) async throws -> Int {
        let running = try await HTTPServer.start(host: "127.0.0.1", port: port) { [self] request in await handle(request) }
        server.withLock { $0 = running }
        return running.port
    }

    public func stop() async {
        await server.withLock { running in defer { running = nil }; return running }?.shutdown()
    }

    func handle(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let body = Array(request.body.readableBytesView)
        let id = request.headers["webhook-id"] ?? ""
        let timestamp = request.headers["webhook-timestamp"] ?? ""
        let signature = request.headers["webhook-signature"] ?? ""
        let valid = verify(id: id, timestamp: timestamp, signatures: signature, body: body)
        let arrivedAt = Date()
        let (faults, fails) = state.withLock { s in
            s.inFlight += 1
            s.peakInFlight = max(s.peakInFlight, s.inFlight)
            return (s.faults, s.random.chance(s.faults.failShare))
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if let delay = faults.delay { try? await Task.sleep(for: delay) }
        let status = !valid ? 401 : faults.gone ? 410 : fails ? faults.failureStatus : 204
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.lowercased()] = field.value }
        let record = Request(id: id, timestamp: timestamp, signature: signature, body: body, signatureValid: valid,
                             status: status, headers: headers, arrivedAt: arrivedAt)
        state.withLock { $0.requests.append(record) }
        return HTTPServerResponse(status: status, body: status == 204 ? "" : "{\"status\":\(status)}")
    }

    /// The Standard Webhooks check: a recent timestamp and one `v1,` signature that matches.
    public func verify(id: String, timestamp: String, signatures: String, body: [UInt8], now: Date = Date()) -> Bool {
        guard !id.isEmpty, let seconds = Int64(timestamp),
              abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.tolerance else { return false }
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array("\(id).\(timestamp).".utf8))
        mac.update(data: body)
        let expected = "v1," + Data(mac.finalize()).base64EncodedString()
        return signatures.split(separator: " ").contains { $0 == expected }
    }
}

import Synchronization
import Foundation
import HTTPServing
import SMSLedgerCore

/// A customer's push endpoint on loopback: records every POST body and answers as the test says.
final class PushReceiver: Sendable {
    enum Answer: Sendable {
        /// 200 `{"code":0,"msg":"成功"}`: accepted.
        case accept
        /// This status with an accepting body (the status alone must make it a failure).
        case status(Int)
        /// 200 with `{"code":N}`.
        case code(Int)
        /// Never answers (until the client gives up and disconnects).
        case silence
    }

    private struct State {
        var answers: [Answer]
        var bodies: [String] = []
        var arrivals: [Date] = []
        var contentTypes: [String] = []
    }

    /// Shared by the receiver and the server's handler, which is made before the receiver exists.
    private final class Record: Sendable {
        let state: Mutex<State>
        init(_ state: State) { self.state = Mutex(state) }
    }

    private let record: Record
    private let server: RunningHTTPServer

    var url: String { "http://127.0.0.1:\(server.port)/alicom/push?secret=s3cret" }

    private init(server: RunningHTTPServer, record: Record) {
        self.server = server
        self.record = record
    }

    /// Listens on a free loopback port; `answers` are used in turn, the last one repeating.
    static func start(answers: [Answer]) async throws -> PushReceiver {
        let record = Record(State(answers: answers.isEmpty ? [.accept] : answers))
        let server = try await HTTPServer.start(
            host: "127.0.0.1", port: 0,
            configuration: HTTPServerConfiguration(shutdownGracePeriod: .milliseconds(200),
                                                   cancelsHandlerOnDisconnect: true)) { request in
            let answer = record.state.withLock { state -> Answer in
                state.bodies.append(request.bodyText)
                state.arrivals.append(Date())
                state.contentTypes.append(request.headers["Content-Type"] ?? "")
                return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
            }
            switch answer {
            case .accept: return HTTPServerResponse(status: 200, body: "{\"code\":0,\"msg\":\"成功\"}")
            case .status(let status): return HTTPServerResponse(status: status, body: "{\"code\":0}")
            case .code(let code): return HTTPServerResponse(status: 200, body: "{\"code\":\(code),\"msg\":\"busy\"}")
            case .silence:
                try? await Task.sleep(for: .seconds(30))
                return HTTPServerResponse(status: 200, body: "{\"code\":0}")
            }
        }
        return PushReceiver(server: server, record: record)
    }

    func shutdown() async { await server.shutdown() }

    /// Every POST body received, in arrival order.
    var bodies: [String] { record.state.withLock { $0.bodies } }
    var arrivals: [Date] { record.state.withLock { $0.arrivals } }
    var contentTypes: [String] { record.state.withLock { $0.contentTypes } }

    /// Each body parsed as a JSON array (an unparsable body is an empty batch).
    var batches: [[Any]] {
        bodies.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [Any] ?? [] }
    }

    /// Every received item that is a JSON object, across all batches.
    var items: [[String: Any]] { batches.flatMap { $0.compactMap { $0 as? [String: Any] } } }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held. Tests
/// wait for outcomes this way rather than sleeping a fixed time and hoping. The default deadline is
/// long because it only matters when a test fails: in a full parallel run on two cores, a pusher's
/// 50 ms retry was seen to take over 5 s to come round.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Runs `body` with a push receiver and always shuts the receiver down.
func withPushReceiver<T>(_ answers: PushReceiver.Answer..., body: (PushReceiver) async throws -> T) async throws -> T {
    let receiver = try await PushReceiver.start(answers: answers)
    do {
        let result = try await body(receiver)
        await receiver.shutdown()
        return result
    } catch {
        await receiver.shutdown()
        throw error
    }
}

@testable import AlibabaCloud
import Foundation

/// A fake of the network for classification tests: answers each request with the next scripted
/// step and records what was sent. (End-to-end tests against the emulator cover the real wire.)
actor ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case respond(TransportResponse)
        case fail(AlibabaError)
    }

    private var steps: [Step]
    private(set) var requests: [TransportRequest] = []
    private(set) var timeouts: [Duration] = []

    init(_ steps: [Step]) {
        self.steps = steps
    }

    func execute(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        requests.append(request)
        timeouts.append(timeout)
        guard !steps.isEmpty else {
            throw AlibabaError(kind: .transient, code: "ScriptExhausted", message: "no scripted answer left")
        }
        switch steps.removeFirst() {
        case .respond(let response): return response
        case .fail(let error): throw error
        }
    }
}

extension ScriptedTransport.Step {
    static func xml(_ status: Int, _ body: String, requestId: String = "REQ-1") -> Self {
        .respond(TransportResponse(status: status, headers: [(name: "x-mns-request-id", value: requestId)],
                                   body: Data(body.utf8)))
    }

    static func mnsError(_ status: Int, code: String, message: String = "test message") -> Self {
        xml(status, """
            <?xml version="1.0" ?>
            <Error xmlns="http://mns.aliyuncs.com/doc/v1"><Code>\(code)</Code><Message>\(message)</Message>\
            <RequestId>REQ-ERR</RequestId><HostId>http://mns.example</HostId></Error>
            """)
    }

    static func json(_ status: Int, _ body: String) -> Self {
        .respond(TransportResponse(status: status, headers: [(name: "Content-Type", value: "application/json")],
                                   body: Data(body.utf8)))
    }

    static func canned(_ fixture: TransportResponseFixture) -> Self {
        .respond(TransportResponse(status: fixture.status, headers: fixture.headers.map { (name: $0.key, value: $0.value) },
                                   body: Data(fixture.body.utf8)))
    }
}

/// A token source that hands out a fixed sequence of tokens and counts invalidations.
actor FixedTokens: QueueTokenSource {
    private var tokens: [QueueToken]
    private(set) var invalidated: [QueueToken] = []
    private(set) var handedOut = 0

    init(_ tokens: [QueueToken]) {
        self.tokens = tokens
    }

    func token() async throws -> QueueToken {
        handedOut += 1
        return tokens.count > 1 ? tokens.removeFirst() : tokens[0]
    }

    func invalidate(_ token: QueueToken) async {
        invalidated.append(token)
    }
}

enum TestTokens {
    static func make(_ suffix: String = "A", expiresAt: Date = Date(timeIntervalSince1970: 2_000_000_000)) -> QueueToken {
        QueueToken(messageType: .smsReport, accessKeyId: "STS.key\(suffix)", accessKeySecret: "secret-\(suffix)-0123",
                   securityToken: "token-\(suffix)-CAIS+xyz/abc==", expiresAt: expiresAt)
    }
}

/// A settable clock (`now` closures are synchronous, so this is a lock, not an actor).
/// `@unchecked Sendable`: the only state is `current`, and every access holds `lock`.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) {
        current = start
    }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(by seconds: TimeInterval) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }

    var closure: @Sendable () -> Date { { [self] in now } }
}

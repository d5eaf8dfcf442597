@testable import AlibabaCloud
import Foundation
import Testing

/// The real transport against a peer on 127.0.0.1: what goes on the wire, and how failures map.
@Suite("AsyncHTTPClient transport over loopback", .timeLimit(.minutes(1)))
struct TransportLoopbackTests {
    @Test("the request target keeps the raw query text, and the answer comes back whole")
    func exactRequestTarget() async throws {
        let peer = try LoopbackPeer(.respond(
            "HTTP/1.1 404 Not Found\r\nx-mns-request-id: R9\r\nContent-Length: 5\r\nConnection: close\r\n\r\nempty"))
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport()
        let target = "/queues/q/messages?ReceiptHandle=1-ODU4OTkzNDU5My0x+NzA5/NjE4ODIx==&VisibilityTimeout=60"
        let response = try await transport.execute(
            TransportRequest(method: "PUT", url: "http://127.0.0.1:\(peer.port)\(target)",
                             headers: [(name: "security-token", value: "tok+/=")]),
            timeout: .seconds(10))
        try await transport.shutdown()
        #expect(response.status == 404)
        #expect(response.header("X-MNS-Request-Id") == "R9")
        #expect(String(decoding: response.body, as: UTF8.self) == "empty")
        let head = try #require(peer.requests.first)
        #expect(head.hasPrefix("PUT \(target) HTTP/1.1\r\n"))
        #expect(head.contains("security-token: tok+/=\r\n"))
    }

    @Test("a body is sent with its length")
    func bodySent() async throws {
        let peer = try LoopbackPeer(.respond("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport()
        let body = Data("<ReceiptHandles><ReceiptHandle>h</ReceiptHandle></ReceiptHandles>".utf8)
        let response = try await transport.execute(
            TransportRequest(method: "DELETE", url: "http://127.0.0.1:\(peer.port)/queues/q/messages", body: body),
            timeout: .seconds(10))
        try await transport.shutdown()
        #expect(response.status == 204)
        let request = try #require(peer.requests.first)
        #expect(request.lowercased().contains("content-length: \(body.count)\r\n"))
        #expect(request.hasSuffix(String(decoding: body, as: UTF8.self)))
    }

    @Test("a transport released without shutdown() shuts its client down itself instead of trapping")
    func releasedWithoutShutdown() async throws {
        let peer = try LoopbackPeer(.respond("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
        defer { peer.stop() }
        // A test that throws between making a transport and shutting it down leaves exactly this.
        // Without the shutdown in `deinit`, async-http-client's debug check kills the process here.
        do {
            let transport = AsyncHTTPClientTransport()
            let response = try await transport.execute(
                TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"), timeout: .seconds(10))
            #expect(response.status == 204)
        }
        try await Task.sleep(for: .milliseconds(300))  // the client's own deinit runs once its shutdown is done
        #expect(peer.requests.count == 1)
    }

    @Test("a peer that never answers ends in a transient timeout")
    func timeout() async throws {
        let peer = try LoopbackPeer(.silent)
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport()
        let error = await #expect(throws: AlibabaError.self) {
            try await transport.execute(TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"),
                                        timeout: .milliseconds(300))
        }
        try await transport.shutdown()
        #expect(error?.kind == .transient)
        #expect(error?.code == AlibabaError.Code.timeout)
    }

    @Test("cancelling the caller ends a request that is still waiting, long before its deadline")
    func cancellation() async throws {
        let peer = try LoopbackPeer(.silent)
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport()
        let started = ContinuousClock.now
        let request = Task {
            try await transport.execute(TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"),
                                        timeout: .seconds(30))
        }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        await #expect(throws: CancellationError.self) { try await request.value }
        #expect(ContinuousClock.now - started < .seconds(10))
        try await transport.shutdown()
    }

    @Test("an answer larger than maxResponseBytes is a transient error, not a partial body")
    func tooLarge() async throws {
        let body = String(repeating: "x", count: 2_000)
        let peer = try LoopbackPeer(.respond(
            "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"))
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport(configuration: .init(maxResponseBytes: 1_000))
        let error = await #expect(throws: AlibabaError.self) {
            try await transport.execute(TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"),
                                        timeout: .seconds(10))
        }
        try await transport.shutdown()
        #expect(error?.kind == .transient)
    }

    @Test("a response limit beyond what one buffer holds is clamped, not a trap", arguments: [Int.max, -1])
    func limitClamped(limit: Int) async throws {
        let peer = try LoopbackPeer(.respond("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport(configuration: .init(maxResponseBytes: limit))
        let result: Result<TransportResponse, any Error>
        do {
            result = .success(try await transport.execute(
                TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"), timeout: .seconds(10)))
        } catch {
            result = .failure(error)
        }
        try await transport.shutdown()
        if limit > 0 {
            #expect(try String(decoding: result.get().body, as: UTF8.self) == "ok")
        } else {
            // A limit below zero allows no body at all: the answer is refused, the process lives on.
            #expect(throws: AlibabaError.self) { try result.get() }
        }
    }

    @Test("a reset connection is a transient error")
    func reset() async throws {
        let peer = try LoopbackPeer(.reset)
        defer { peer.stop() }
        let transport = AsyncHTTPClientTransport()
        let error = await #expect(throws: AlibabaError.self) {
            try await transport.execute(TransportRequest(method: "GET", url: "http://127.0.0.1:\(peer.port)/"),
                                        timeout: .seconds(10))
        }
        try await transport.shutdown()
        #expect(error?.kind == .transient)
        #expect(error?.isRetryable == true)
    }

    @Test("a refused connection is a transient error")
    func refused() async throws {
        let (port, release) = try LoopbackPeer.closedPort()
        defer { release() }
        // async-http-client keeps retrying a refused connect until the connect timeout; keep it short.
        let transport = AsyncHTTPClientTransport(configuration: .init(connectTimeout: .milliseconds(500)))
        let error = await #expect(throws: AlibabaError.self) {
            try await transport.execute(TransportRequest(method: "GET", url: "http://127.0.0.1:\(port)/"),
                                        timeout: .seconds(10))
        }
        try await transport.shutdown()
        #expect(error?.kind == .transient)
        #expect(error?.code == AlibabaError.Code.connectionRefused)
    }

    @Test("the request target is the path and query of the URL")
    func requestTarget() {
        #expect(TransportRequest(method: "GET", url: "https://h.example/a/b?x=1").requestTarget == "/a/b?x=1")
        #expect(TransportRequest(method: "GET", url: "https://h.example?x=1").requestTarget == "/?x=1")
        #expect(TransportRequest(method: "GET", url: "https://h.example").requestTarget == "/")
    }
}

import Parsers
import RawHTTPClient
import HTTPServing
import Testing

/// The HTTP server under the emulator (it has no test target of its own yet).
@Suite("HTTPServing: raw targets, keep-alive, pipelining, limits")
struct HTTPServingTests {
    private func withEcho(maxBodyBytes: Int = 1 << 20, _ body: (Int) async throws -> Void) async throws {
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0,
                                                configuration: HTTPServerConfiguration(maxBodyBytes: maxBodyBytes)) { request in
            HTTPServerResponse(status: 200, body: "\(request.method) \(request.target) path=\(request.path) "
                               + "query=\(request.query ?? "-") body=\(request.bodyText)")
        }
        do { try await body(server.port) } catch { await server.shutdown(); throw error }
        await server.shutdown()
    }

    @Test func targetsArriveRawAndSplitForBothForms() {
        let absolute = HTTPServerRequest(method: "GET", target: "http://127.0.0.1:1/queues/q/messages?ReceiptHandle=a+b%2F")
        #expect(absolute.pathAndQuery == "/queues/q/messages?ReceiptHandle=a+b%2F")
        #expect(absolute.path == "/queues/q/messages")
        #expect(RequestTarget.parameters(absolute.query ?? "", plusIsSpace: false).first?.value == "a+b/")
        #expect(HTTPServerRequest(method: "GET", target: "http://host?x=1").pathAndQuery == "/?x=1")
    }

    @Test func handlerSeesTheRequestLineTargetUnchanged() async throws {
        try await withEcho { port in
            let response = try await RawHTTP.send(port: port, method: "GET", target: "http://h:9/a%2Fb?x=1+2")
            #expect(response.body == "GET http://h:9/a%2Fb?x=1+2 path=/a%2Fb query=x=1+2 body=")
        }
    }

    @Test func keepAliveAndPipelinedRequestsAreAnsweredInOrder() async throws {
        try await withEcho { port in
            let bodies = try await RawHTTP.offThread {
                let connection = try RawConnection(port: port)
                connection.write(RawHTTP.format(method: "POST", target: "/1", headers: [], body: "one")
                                 + RawHTTP.format(method: "POST", target: "/2", headers: [], body: "two"))
                return [try connection.readResponse().body, try connection.readResponse().body]
            }
            #expect(bodies == ["POST /1 path=/1 query=- body=one", "POST /2 path=/2 query=- body=two"])
        }
    }

    @Test func bodyOverTheLimitIs413AndCloses() async throws {
        try await withEcho(maxBodyBytes: 8) { port in
            let response = try await RawHTTP.send(port: port, method: "POST", target: "/", body: "123456789")
            #expect(response.status == 413)
            #expect(response.headers["connection"] == "close")
        }
    }

    @Test func shutdownClosesIdleKeepAliveConnections() async throws {
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0) { _ in HTTPServerResponse(status: 204) }
        let port = server.port
        let connection = try await RawHTTP.offThread { () -> RawConnection in
            let connection = try RawConnection(port: port)
            connection.write(RawHTTP.format(method: "GET", target: "/", headers: [], body: ""))
            _ = try connection.readResponse()
            return connection
        }
        await server.shutdown()
        #expect(try await RawHTTP.offThread { connection.isClosedByPeer() })
    }
}

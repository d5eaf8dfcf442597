import Foundation
@testable import HTTPServing
import RawHTTPClient
import Testing

/// The HTTP server's defences against clients that hold connections without making progress:
/// idle and request timeouts, the connection cap, header limits. Timeouts are short (1-2 s) and
/// margins wide, because the full suite runs these in parallel on a loaded two-core machine.
@Suite("HTTPServing: timeouts, connection cap, header limits")
struct HTTPServingLimitsTests {
    /// Counts the server's connection events, from event loop threads.
    final class Tally: @unchecked Sendable {
        // @unchecked: `counts` is only touched under `lock`.
        private let lock = NSLock()
        private var counts: [HTTPConnectionEvent: Int] = [:]

        func record(_ event: HTTPConnectionEvent) { lock.withLock { counts[event, default: 0] += 1 } }
        subscript(_ event: HTTPConnectionEvent) -> Int { lock.withLock { counts[event] ?? 0 } }
    }

    private func withServer(_ configure: (inout HTTPServerConfiguration) -> Void,
                            _ body: (RunningHTTPServer, Tally) async throws -> Void) async throws {
        let tally = Tally()
        var configuration = HTTPServerConfiguration(shutdownGracePeriod: .milliseconds(200))
        configure(&configuration)
        configuration.connectionEvents = { tally.record($0) }
        let server = try await HTTPServer.start(host: "127.0.0.1", port: 0, configuration: configuration) { request in
            if request.path == "/slow" { try? await Task.sleep(for: .seconds(3)) }
            return HTTPServerResponse(status: 200, body: "answered \(request.path)")
        }
        do { try await body(server, tally) } catch { await server.shutdown(); throw error }
        await server.shutdown()
    }

    @Test func threeHundredIdleConnectionsAreClosedAfterTheIdleTimeoutWhileRequestsAreAnswered() async throws {
        try await withServer({ $0.idleTimeout = .seconds(1); $0.maxConnections = 1000 }) { server, tally in
            let port = server.port
            let flood = try await RawHTTP.offThread { try RawFlood(port: port, count: 300) }
            let asked = ContinuousClock.now
            let response = try await RawHTTP.send(port: port, method: "GET", target: "/ok")
            let answeredIn = ContinuousClock.now - asked
            #expect(response.status == 200)
            #expect(answeredIn < .seconds(5), "a proper request waits behind no idle connection")
            let closed = try await RawHTTP.offThread { flood.waitForClosures(timeout: 30) }
            #expect(closed == 300)
            let times = flood.ended.values.map(\.after)
            let (first, last) = (times.min() ?? 0, times.max() ?? 0)
            #expect(first >= 0.95, "none before the idle timeout")
            #expect(last < 15, "all soon after the idle timeout")
            #expect(tally[.idleTimedOut] >= 300)
            print("idle flood: 300 connections closed \(String(format: "%.2f", first))-\(String(format: "%.2f", last)) s "
                  + "after opening; a request meanwhile answered in \(answeredIn)")
        }
    }

    @Test func connectionsSendingAByteAtATimeAreCutByTheRequestTimeoutFromTheirFirstByte() async throws {
        try await withServer({ $0.idleTimeout = .seconds(60); $0.requestTimeout = .seconds(2) }) { server, tally in
            let port = server.port
            let flood = try await RawHTTP.offThread { try RawFlood(port: port, count: 300) }
            // A byte every half second: a timer reset by each byte would never fire.
            let closed = try await RawHTTP.offThread {
                flood.waitForClosures(timeout: 30, dribble: "POST /slow-client HTTP/1.1\r\nHost: 127.0.0.1\r\n" + String(repeating: "X", count: 100),
                                      dribbleEvery: 0.5)
            }
            #expect(closed == 300)
            let times = flood.ended.values.map(\.after)
            let (first, last) = (times.min() ?? 0, times.max() ?? 0)
            #expect(first >= 1.9, "none before the request timeout")
            #expect(last < 15)
            // A byte crossing the server's close can reset the connection before its 408 is read,
            // so not every client sees it; `aStalledRequestIsAnswered408` checks the answer exactly.
            let told = flood.ended.values.filter { $0.received.hasPrefix("HTTP/1.1 408") }.count
            #expect(told >= 270, "\(told) of 300 read the 408")
            #expect(tally[.requestTimedOut] == 300)
            print("slow flood: 300 connections closed \(String(format: "%.2f", first))-\(String(format: "%.2f", last)) s after opening")
        }
    }

    @Test func connectionsBeyondTheCapAreClosedAtOnceAndCounted() async throws {
        try await withServer({ $0.maxConnections = 50; $0.idleTimeout = .seconds(60) }) { server, tally in
            let port = server.port
            let admitted = try await RawHTTP.offThread { try RawFlood(port: port, count: 50) }
            #expect(await eventually { server.openConnections == 50 })
            let excess = try await RawHTTP.offThread { try RawFlood(port: port, count: 250) }
            let closed = try await RawHTTP.offThread { excess.waitForClosures(timeout: 20) }
            #expect(closed == 250)
            let last = excess.ended.values.map(\.after).max() ?? 0
            #expect(last < 5, "refused at once, not after a timeout")
            #expect(tally[.refusedOverCap] == 250)
            #expect(server.openConnections == 50)
            #expect(try await RawHTTP.offThread { admitted.waitForClosures(timeout: 0.5) } == 0, "those admitted stay open")
            await #expect(throws: RawHTTPError.self) {
                _ = try await RawHTTP.send(port: port, method: "GET", target: "/at-the-cap")
            }
            admitted.closeAll()  // their slots come free
            #expect(await eventually { server.openConnections == 0 })
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "/ok").status == 200)
        }
    }

    @Test func aStalledRequestIsAnswered408AndClosed() async throws {
        try await withServer({ $0.idleTimeout = .seconds(60); $0.requestTimeout = .seconds(1) }) { server, tally in
            let port = server.port
            let (response, closed) = try await RawHTTP.offThread { () -> (RawResponse, Bool) in
                let connection = try RawConnection(port: port)
                connection.write("POST /stalled HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhalf")
                return (try connection.readResponse(), connection.isClosedByPeer())
            }
            #expect(response.status == 408)
            #expect(closed)
            #expect(tally[.requestTimedOut] == 1)
        }
    }

    @Test func aRequestBeingHandledIsNotCutByTheIdleOrRequestTimeout() async throws {
        try await withServer({ $0.idleTimeout = .seconds(1); $0.requestTimeout = .seconds(1) }) { server, tally in
            let port = server.port
            let (response, closedAfter) = try await RawHTTP.offThread { () -> (RawResponse, Double) in
                let connection = try RawConnection(port: port)
                connection.write(RawHTTP.format(method: "GET", target: "/slow", headers: [], body: ""))
                let response = try connection.readResponse()
                let answered = Date()
                _ = connection.isClosedByPeer()  // blocks until the keep-alive connection idles out
                return (response, Date().timeIntervalSince(answered))
            }
            #expect(response.status == 200)
            #expect(response.body == "answered /slow", "the 3 s handler outlived both 1 s timeouts")
            #expect(closedAfter >= 0.9 && closedAfter < 15, "then idle again, the connection is closed")
            #expect(tally[.idleTimedOut] == 1)
            #expect(tally[.requestTimedOut] == 0)
        }
    }

    @Test func tooManyHeaderFieldsAre431AndClose() async throws {
        try await withServer({ $0.maxHeaderCount = 10 }) { server, tally in
            let port = server.port
            let fine = (1...8).map { ("X-Field-\($0)", "v") }
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "/", headers: fine).status == 200)
            let tooMany = (1...20).map { ("X-Field-\($0)", "v") }
            try await expect431AndClose(port: port, headers: tooMany)
            #expect(tally[.headersTooLarge] == 1)
        }
    }

    @Test func aHeadOverTheByteLimitIs431AndCloses() async throws {
        try await withServer({ $0.maxHeaderBytes = 2048 }) { server, tally in
            let port = server.port
            #expect(try await RawHTTP.send(port: port, method: "GET", target: "/",
                                           headers: [("X-Big", String(repeating: "a", count: 1500))]).status == 200)
            try await expect431AndClose(port: port, headers: [("X-Big", String(repeating: "a", count: 4000))])
            try await expect431AndClose(port: port, headers: (1...40).map { ("X-Field-\($0)", String(repeating: "b", count: 60)) })
            #expect(tally[.headersTooLarge] == 2)
        }
    }

    private func expect431AndClose(port: Int, headers: [(String, String)]) async throws {
        let (response, closed) = try await RawHTTP.offThread { () -> (RawResponse, Bool) in
            let connection = try RawConnection(port: port)
            connection.write(RawHTTP.format(method: "GET", target: "/", headers: headers, body: ""))
            return (try connection.readResponse(), connection.isClosedByPeer())
        }
        #expect(response.status == 431)
        #expect(closed)
    }

    @Test func refusalsAreLoggedAtOnceThenAtMostOnceAMinuteWithTheCountSince() {
        var throttle = RefusalLogThrottle()
        let start = ContinuousClock.now
        #expect(throttle.record(at: start) == 1)
        #expect(throttle.record(at: start + .seconds(1)) == nil)
        #expect(throttle.record(at: start + .seconds(59)) == nil)
        #expect(throttle.record(at: start + .seconds(60)) == 3)
        #expect(throttle.record(at: start + .seconds(61)) == nil)
        #expect(throttle.record(at: start + .seconds(200)) == 2)
    }
}

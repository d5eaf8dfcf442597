import Foundation
import RawHTTPClient
import SMSLedgerConfig
@testable import SMSLedgerDaemon
import Testing

/// Issue 14: a flood of idle or slow connections must not hold the daemon's descriptors. The
/// listener caps its connections, times out idle and slow ones, counts both in `STATUS=`, and the
/// pollers keep draining MNS throughout. Real sockets, short timeouts, generous margins.
@Suite("Listener hardening: connection cap, timeouts, a flood beside the pollers")
struct ListenerHardeningTests {
    @Test func aFloodOverTheCapIsRefusedTimedOutCountedAndShownInStatus() async throws {
        try await ListenerHarness.run(http: { $0.maxConnections = 20; $0.idleTimeout = .seconds(3) }) { harness in
            let port = harness.port
            let flood = try await RawHTTP.offThread { try RawFlood(port: port, count: 60) }
            let closed = try await RawHTTP.offThread { flood.waitForClosures(timeout: 30) }
            #expect(closed == 60)
            let health = harness.listener.health
            #expect(await eventually(within: .seconds(30)) { health.snapshot.timedOutConnections == 20 })
            #expect(health.snapshot.refusedConnections == 40)
            let status = health.snapshot.statusFragment
            #expect(status.contains("40 connections refused"), "\(status)")
            #expect(status.contains("20 connections timed out"), "\(status)")
            let healthz = try await RawHTTP.send(port: port, method: "GET", target: "/healthz")
            #expect(healthz.status == 200, "slots came free as the flood was closed")
        }
    }

    @Test func statusLeavesOutConnectionCountersThatAreZero() {
        var snapshot = ListenerHealth.Snapshot()
        snapshot.requests = 3
        #expect(snapshot.statusFragment == "http: 3 requests, 0 stored, 0 quarantined, 0 rejected")
        snapshot.refusedConnections = 2
        snapshot.timedOutConnections = 5
        #expect(snapshot.statusFragment
                == "http: 3 requests, 0 stored, 0 quarantined, 0 rejected, 2 connections refused (at max_connections), "
                + "5 connections timed out")
    }

    @Test func anOversizedHeadIsAnswered431AndCountedAsRejected() async throws {
        try await ListenerHarness.run(http: { $0.maxHeaderCount = 8 }) { harness in
            let headers = (1...12).map { ("X-Field-\($0)", "v") }
            let response = try await RawHTTP.send(port: harness.port, method: "GET", target: "/healthz", headers: headers)
            #expect(response.status == 431)
            #expect(harness.listener.health.snapshot.rejected == 1)
        }
    }

    /// The failure the issue describes: a listener flood starving the pollers. Here 300 idle and
    /// slow connections hit a daemon capped at 200 while 500 receipts wait in MNS: 150 idle ones are
    /// admitted, 50 slow ones too, the other 100 refused; the admitted ones time out. The idle
    /// timeout (5 s) outlasts opening the flood even on a loaded machine, so the cap is reached.
    @Test func thePollersDrainTheQueueWhileTheListenerIsFlooded() async throws {
        let harness = try await DaemonHarness.make(pollers: 2, httpConfig: ListenerFlood.httpConfig)
        let flood = try await ListenerFlood.open(on: harness)
        let (running, port, idle, slow) = (flood.running, flood.port, flood.idle, flood.slow)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<500).map { Bodies.report($0) })
        async let slowClosed = RawHTTP.offThread { slow.waitForClosures(timeout: 30, dribble: "GET /healthz HTTP/1.1\r\n") }
        let idleClosed = try await RawHTTP.offThread { idle.waitForClosures(timeout: 30) }
        #expect(try await slowClosed == 150)
        #expect(idleClosed == 150)
        try await harness.waitUntilDrained()
        let health = try #require(running.daemon.listenerHealth)
        #expect(health.refusedConnections >= 50, "at most 200 open at once (more are admitted as others close)")
        #expect(health.timedOutConnections >= 150)
        #expect(health.refusedConnections + health.timedOutConnections == 300, "each one ended by the server")
        #expect(try await RawHTTP.send(port: port, method: "GET", target: "/healthz").status == 200)
        #expect(await DaemonHarness.stop(running) == 0)
        #expect(try await harness.counts().receipts == 500)
        await harness.cleanUp()
    }
}

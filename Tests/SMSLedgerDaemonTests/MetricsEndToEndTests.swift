import AlicomEmulator
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerStore
import RawHTTPClient
import SMSLedgerDaemon
import Testing

/// `GET /metrics` of a running daemon against the emulator: what it counted is what it did.
@Suite("Metrics: a running daemon's /metrics", .serialized)
struct MetricsEndToEndTests {
    /// The value of the one sample `series` (name plus its labels exactly as exported), if present.
    static func value(_ exposition: String, _ series: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func theListenerServesCountsOfWhatThePollersStored() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        let reports = (0..<50).map { Bodies.report($0, success: $0 % 5 != 0) }
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: reports + Array(reports.prefix(5)))
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (0..<7).map(Bodies.reply) + ["not base64 at all"])
        let daemon = harness.startDaemon()
        try await harness.waitUntilDrained()
        let port = try #require(daemon.daemon.httpPort)
        var text = ""
        // The sends gauge is refreshed on a timer (and at start); the counters are live.
        #expect(await eventually(within: .seconds(40)) {
            text = (try? await RawHTTP.send(port: port, method: "GET", target: "/metrics"))?.body ?? ""
            return Self.value(text, #"smsledger_messages_stored_total{queue="SmsReport",channel="mns"}"#) == 50
                && Self.value(text, #"smsledger_sends{state="delivered"}"#) == 40
        })
        #expect(Self.value(text, #"smsledger_messages_duplicate_total{queue="SmsReport",channel="mns"}"#) == 5)
        #expect(Self.value(text, #"smsledger_messages_stored_total{queue="SmsUp",channel="mns"}"#) == 7)
        #expect(Self.value(text, #"smsledger_messages_quarantined_total{queue="SmsUp",channel="mns"}"#) == 1)
        #expect(Self.value(text, #"smsledger_sends{state="failed"}"#) == 10)
        #expect((Self.value(text, #"smsledger_mns_requests_total{operation="BatchReceiveMessage",outcome="ok"}"#) ?? 0) > 0)
        #expect((Self.value(text, #"smsledger_token_refreshes_total{outcome="ok"}"#) ?? 0) >= 1)
        #expect((Self.value(text, "smsledger_commit_duration_seconds_count") ?? 0) > 0)
        #expect(Self.value(text, #"smsledger_queue_silent{queue="SmsReport"}"#) == 0)
        #expect(text.contains("# TYPE smsledger_messages_received_total counter"))
        #expect(await DaemonHarness.stop(daemon) == 0)
        await harness.cleanUp()
    }

    @Test func metricsOnTheirOwnAddressLeaveTheListenerWithoutThem() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        let metricsPort = try Self.freePort()
        try harness.writeConfig(pollers: 1, extra: "[metrics]\nlisten = \"127.0.0.1:\(metricsPort)\"\n")
        let daemon = harness.startDaemon()
        #expect(await eventually(within: .seconds(20)) { daemon.daemon.httpPort != nil })
        let port = try #require(daemon.daemon.httpPort)
        #expect(try await RawHTTP.send(port: port, method: "GET", target: "/metrics").status == 404)
        var own: RawResponse?
        #expect(await eventually(within: .seconds(20)) {
            own = try? await RawHTTP.send(port: metricsPort, method: "GET", target: "/metrics")
            return own?.status == 200
        })
        #expect(own?.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(own?.body.contains("smsledger_commit_duration_seconds") == true)
        #expect(await DaemonHarness.stop(daemon) == 0)
        await harness.cleanUp()
    }

    @Test func disabledMetricsAreNotServed() async throws {
        let harness = try await DaemonHarness.make(pollers: 1)
        try harness.writeConfig(pollers: 1, extra: "[metrics]\nenabled = false\n")
        let daemon = harness.startDaemon()
        #expect(await eventually(within: .seconds(20)) { daemon.daemon.httpPort != nil })
        let port = try #require(daemon.daemon.httpPort)
        #expect(try await RawHTTP.send(port: port, method: "GET", target: "/metrics").status == 404)
        #expect(await DaemonHarness.stop(daemon) == 0)
        await harness.cleanUp()
    }

    /// A loopback port that was free a moment ago (bound to port 0, read back, released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

import RawHTTPClient
import Testing

/// Issue 14's flood on a running daemon's listener: the daemon capped at 200 connections (5 s idle
/// timeout, 1 s request timeout) and 300 raw connections opened against it, 150 to stay idle and 150
/// to dribble a request. Shared by the listener test and the flood-and-poison check, so both hit the
/// daemon with the same flood.
struct ListenerFlood {
    /// The `[http]` keys the flooded daemon runs with (``DaemonHarness/make`` `httpConfig:`).
    static let httpConfig = """
        idle_timeout_seconds = 5
        request_timeout_seconds = 1
        max_connections = 200
        """

    let running: DaemonHarness.Running
    let port: Int
    let idle: RawFlood
    let slow: RawFlood

    /// Starts the harness's daemon and opens the flood once its listener is bound.
    static func open(on harness: DaemonHarness) async throws -> ListenerFlood {
        let running = harness.startDaemon()
        #expect(await eventually(within: .seconds(30)) { running.daemon.httpPort != nil })
        let port = try #require(running.daemon.httpPort)
        let idle = try await RawHTTP.offThread { try RawFlood(port: port, count: 150) }
        let slow = try await RawHTTP.offThread { try RawFlood(port: port, count: 150) }
        return ListenerFlood(running: running, port: port, idle: idle, slow: slow)
    }
}

import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerDaemon
import Systemd
import Testing

/// A real emulator on loopback plus a real daemon (the `smsledger run` code) pointed at it, with a
/// config file and a ledger in a fresh temporary directory.
struct DaemonHarness: Sendable {
    static let keyId = "LTAI5tDaemonTestKey"
    static let secret = "DaemonTestSecret0123456789abcd"

    let emulator: AlicomEmulator
    let port: Int
    let directory: URL
    let configPath: String
    let storePath: String

    static func make(pollers: Int = 2, waitSeconds: Int = 1, extraConfig: String = "", httpConfig: String = "",
                     configure: (inout EmulatorConfiguration) -> Void = { _ in }) async throws -> DaemonHarness {
        var configuration = EmulatorConfiguration(accessKeyId: keyId, accessKeySecret: secret, randomSeed: 7)
        configuration.visibilityTimeout = 5
        configure(&configuration)
        let emulator = AlicomEmulator(configuration: configuration)
        let port = try await emulator.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storePath = directory.appendingPathComponent("ledger.sqlite").path
        let configPath = directory.appendingPathComponent("smsledger.toml").path
        let harness = DaemonHarness(emulator: emulator, port: port, directory: directory, configPath: configPath,
                                    storePath: storePath)
        try harness.writeConfig(pollers: pollers, waitSeconds: waitSeconds, extra: extraConfig, http: httpConfig)
        return harness
    }

    /// Writes the daemon's config; `extra` is appended as TOML (new sections only); `http` holds
    /// more keys for the `[http]` section the config always has.
    func writeConfig(pollers: Int = 2, waitSeconds: Int = 1, batchSize: Int = 16, queueUID: String? = nil,
                     extra: String = "", http: String = "") throws {
        let text = """
            [alibaba]
            access_key_id = "\(Self.keyId)"
            access_key_secret = "\(Self.secret)"
            dybaseapi_endpoint = "http://127.0.0.1:\(port)"
            dysmsapi_endpoint = "http://127.0.0.1:\(port)"
            mns_endpoint = "http://127.0.0.1:\(port)"
            request_timeout_seconds = 5

            [queues]
            account_uid = "\(queueUID ?? String(emulator.smsReportQueue.split(separator: "-")[2]))"

            [polling]
            wait_seconds = \(waitSeconds)
            batch_size = \(batchSize)
            pollers_per_queue = \(pollers)
            max_backoff_seconds = 1

            [store]
            path = "\(storePath)"

            [http]
            listen = "127.0.0.1:0"
            \(http)

            [logging]
            level = "warning"
            format = "text"

            \(extra)
            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// A daemon started in this process: the object (for its bound port), its task (yielding the
    /// exit code) and the signal input.
    struct Running {
        let daemon: Daemon
        let task: Task<Int32, Never>
        let signals: AsyncStream<DaemonSignal>.Continuation
    }

    /// Starts the daemon in this process.
    func startDaemon(notifySocket: String? = nil, stepAllowance: Duration = .seconds(30)) -> Running {
        let (stream, continuation) = AsyncStream<DaemonSignal>.makeStream()
        let daemon = Daemon(configPath: configPath, environment: [:],
                            notifier: SystemdNotifier(target: notifySocket.map { .socket($0) } ?? .disabled),
                            heartbeatPeriod: .milliseconds(200), stepAllowance: stepAllowance)
        let task = Task { await daemon.run(signals: stream) }
        return Running(daemon: daemon, task: task, signals: continuation)
    }

    /// Stops the daemon gracefully and returns its exit code.
    static func stop(_ running: Running) async -> Int32 {
        running.signals.yield(.terminate)
        running.signals.finish()
        return await running.task.value
    }

    /// Waits until nothing is visible, in flight or delayed in either queue.
    func waitUntilDrained(timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if emulator.queueDepths().allSatisfy({ $0.visible + $0.inFlight + $0.delayed == 0 }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("queues not drained: \(emulator.queueDepths())")
    }

    func counts() async throws -> LedgerCounts {
        let store = try SQLiteLedgerStore(readOnlyAt: storePath)
        defer { Task { await store.close() } }
        return try await store.counts()
    }

    func cleanUp() async {
        await emulator.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

// Compensation figures for issue 5, printed, never asserted:
//   1. time to select due sends among 1,000,000 tracked sends (the store's indexed query);
//   2. QuerySendDetails questions per second the compensator achieves under its rate limiter,
//      against the local emulator over loopback.
//
//   cd Benchmarks && swift run -c release CompensationFigures [sends] [qps]
import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import Logging
import SMSLedgerCore
import SMSLedgerDaemon

@main
struct CompensationFigures {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let total = arguments.first.flatMap(Int.init) ?? 1_000_000
        let qps = arguments.dropFirst().first.flatMap(Double.init) ?? 200
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compensation-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        try await selectionFigure(total: total, path: directory.appendingPathComponent("ledger.sqlite").path)
        try await limiterFigure(qps: qps, path: directory.appendingPathComponent("limiter.sqlite").path)
    }

    /// Fills a ledger with `total` tracked sends, 1 % of them due now, and times `dueSends`.
    static func selectionFigure(total: Int, path: String) async throws {
        let store = try SQLiteLedgerStore(at: path, options: SQLiteLedgerOptions(synchronous: .off))
        let now = Date()
        let fillStart = ContinuousClock.now
        var index = 0
        while index < total {
            let chunk = min(10_000, total - index)
            var sends: [SendRecord] = []
            sends.reserveCapacity(chunk)
            for i in index..<(index + chunk) {
                sends.append(SendRecord(provider: .alibaba, bizId: "\(900_000_000_000 + i)^0",
                                        phoneNumber: "138\(String(format: "%08d", i))", outId: nil,
                                        sentAt: now.addingTimeInterval(-Double(i % 86_400))))
            }
            // 1 % due now (their first check is their send time); the rest not for two days.
            let dueNow = (index / 10_000) % 100 == 0
            _ = try await store.commit(LedgerBatch(sends: sends, firstCheckDelay: dueNow ? 0 : 172_800))
            index += chunk
        }
        let fill = ContinuousClock.now - fillStart
        let counts = try await store.counts()

        var timings: [Duration] = []
        var selected = 0
        for _ in 0..<21 {
            let started = ContinuousClock.now
            selected = try await store.dueSends(now: now, limit: 500).count
            timings.append(ContinuousClock.now - started)
        }
        timings.sort()
        print("due-send selection: \(counts.sends) tracked sends (\(counts.openSends) open), filled in \(fmt(fill))")
        print("  dueSends(limit: 500) returned \(selected): median \(fmt(timings[10])), min \(fmt(timings[0])), max \(fmt(timings[20])) over 21 runs")
        await store.close()
    }

    /// Records sends in the emulator and the ledger, makes them all due, and lets one compensator
    /// tick ask about them at `qps`.
    static func limiterFigure(qps: Double, path: String) async throws {
        let emulator = AlicomEmulator(configuration: EmulatorConfiguration(
            accessKeyId: "bench", accessKeySecret: "bench-secret", sms: .init(receiptDelay: 0, withholdShare: 1)))
        let port = try await emulator.start()
        let count = Int(qps * 5)
        var sends: [SendRecord] = []
        for i in 0..<count {
            let phone = "139\(String(format: "%08d", i))"
            let biz = emulator.recordSend(phones: [phone])
            sends.append(SendRecord(provider: .alibaba, bizId: biz, phoneNumber: phone, outId: nil, sentAt: Date()))
        }
        let store = try SQLiteLedgerStore(at: path)
        _ = try await store.commit(LedgerBatch(sends: sends, firstCheckDelay: 0))
        let transport = AsyncHTTPClientTransport()
        let dysms = DysmsClient(rpc: RPCClient(endpoint: "http://127.0.0.1:\(port)",
                                               credentials: RPCCredentials(accessKeyId: "bench", accessKeySecret: "bench-secret"),
                                               transport: transport))
        let settings = CompensatorSettings(maxQPS: qps, concurrency: 8, batchLimit: count)
        let compensator = Compensator(store: store, source: dysms, settings: settings, logger: Logger(label: "bench"))
        let started = ContinuousClock.now
        let report = await compensator.runOnce()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("compensation under the limiter: \(report.answered) questions in \(fmt(elapsed)) = "
              + String(format: "%.1f", Double(report.answered) / seconds) + "/s (limit \(qps)/s, concurrency 8); "
              + "\(report.settled) sends settled")
        try await transport.shutdown()
        await store.close()
        await emulator.shutdown()
    }

    static func fmt(_ d: Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return ms < 10 ? String(format: "%.2f ms", ms) : String(format: "%.0f ms", ms)
    }
}

import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
@testable import SMSLedgerDaemon
import Testing

/// The pruner inside the running daemon, and backups of the ledger while the daemon drains a queue.
@Suite("Retention and backup with the daemon running", .serialized)
struct RetentionDaemonTests {
    static let day: TimeInterval = 86_400

    /// A settled send, its receipt, a reply and a quarantined body, all `days` old.
    static func batch(_ name: String, daysOld days: Double) -> LedgerBatch {
        let when = Date().addingTimeInterval(-days * day)
        let receipt = DeliveryReceipt(provider: .alibaba, source: .smsReport, bizId: name, outId: nil,
                                      phoneNumber: "13800000001", status: .delivered, providerCode: "DELIVERED",
                                      providerText: nil, sentAt: when, reportedAt: when, rawBody: Data("{}".utf8))
        let reply = InboundMessage(phoneNumber: "13900000001", content: "回复 \(name)", sentAt: when, destCode: "1234",
                                   sequenceId: name, signName: nil, rawBody: Data("{}".utf8))
        var batch = LedgerBatch(sends: [SendRecord(provider: .alibaba, bizId: name, phoneNumber: "13800000001",
                                                   outId: nil, sentAt: when, templateCode: nil, signName: nil)])
        batch.append(.receipt(receipt), receivedAt: when)
        batch.append(.inbound(reply), receivedAt: when)
        batch.append(.quarantine(QuarantineEntry(source: .smsUp, rawBody: Data(name.utf8), reason: "test")), receivedAt: when)
        return batch
    }

    @Test func thePrunerRemovesRowsPastTheRetentionAndKeepsTheRest() async throws {
        let harness = try await DaemonHarness.make()
        defer { Task { await harness.cleanUp() } }
        let seed = try SQLiteLedgerStore(at: harness.storePath)
        for index in 0..<50 { _ = try await seed.commit(Self.batch("old-\(index)", daysOld: 60)) }
        _ = try await seed.commit(Self.batch("recent", daysOld: 2))
        await seed.close()
        try Self.addStoreKeys(harness, "retention_days = 30\nprune_interval_seconds = 1")

        let daemon = harness.startDaemon()
        #expect(await eventually(within: .seconds(60)) { (try? await harness.counts().sends) == 1 })
        #expect(await eventually(within: .seconds(10)) {
            daemon.daemon.statusLine()?.0.contains("pruned: 50 sends, 50 receipts, 50 replies, 50 quarantined") == true
        })
        #expect(await DaemonHarness.stop(daemon) == 0)
        let counts = try await harness.counts()
        #expect(counts == LedgerCounts(receipts: 1, replies: 1, sends: 1, openSends: 0, quarantine: 1))
    }

    @Test func backupsTakenWhileTheDaemonDrainsAreCompleteCheckedSnapshots() async throws {
        let harness = try await DaemonHarness.make(pollers: 4)
        defer { Task { await harness.cleanUp() } }
        // Retention off: the emulator's bodies carry fixed dates that will one day be old.
        try Self.addStoreKeys(harness, "retention_days = 0")
        let reports = (0..<6000).map { Bodies.report($0) }
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: reports)
        let daemon = harness.startDaemon()
        #expect(await eventually(within: .seconds(60)) { (try? await harness.counts().receipts) ?? 0 > 0 })

        var copies: [LedgerBackupResult] = []
        for index in 0..<5 {
            let destination = harness.directory.appendingPathComponent("backup-\(index).sqlite").path
            copies.append(try LedgerBackup.copy(from: harness.storePath, to: destination))
        }
        try await harness.waitUntilDrained()
        #expect(await DaemonHarness.stop(daemon) == 0)

        let final = try await harness.counts()
        #expect(final.receipts == 6000)
        #expect(copies.map(\.counts.receipts) == copies.map(\.counts.receipts).sorted(), "later copies hold more")
        #expect(copies.allSatisfy { $0.counts.receipts == $0.counts.sends && $0.counts.receipts <= 6000 },
                "each copy is one snapshot: every receipt's send is in it")
        #expect(copies.contains { $0.counts.receipts < 6000 }, "at least one copy was taken mid-drain")
        let reopened = try SQLiteLedgerStore(at: copies[copies.count - 1].path)
        #expect(try await reopened.counts() == copies[copies.count - 1].counts, "a copy opens as a ledger")
        await reopened.close()
    }

    /// Appends keys to the `[store]` section the harness's config always has.
    static func addStoreKeys(_ harness: DaemonHarness, _ keys: String) throws {
        let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
        let updated = text.replacingOccurrences(of: "[store]\n", with: "[store]\n\(keys)\n")
        try updated.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
    }
}

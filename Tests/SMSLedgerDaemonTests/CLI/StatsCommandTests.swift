import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

/// `smsledger stats` run as a process, as a person or a script runs it.
@Suite("The command line: stats")
struct StatsCommandTests {
    /// An hour ago: "SMS_A" delivered after 5 s and failed (MK:0001) after 12 s; "SMS_B" still
    /// pending. Ten days ago, outside the default week: one more delivered send.
    static func makeLedger() async throws -> String {
        let path = try CommandLineTests.temporaryDirectory().appendingPathComponent("ledger.sqlite").path
        let store = try SQLiteLedgerStore(at: path)
        let hourAgo = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3_600).rounded())
        let tenDaysAgo = hourAgo.addingTimeInterval(-10 * 86_400)
        func send(_ biz: String, _ template: String, _ at: Date) -> SendRecord {
            SendRecord(provider: .alibaba, bizId: biz, phoneNumber: "1380000000\(biz.count)", outId: nil, sentAt: at,
                       templateCode: template, signName: "Ledger")
        }
        func report(_ biz: String, _ status: DeliveryStatus, _ code: String, _ text: String?, _ at: Date) -> LedgerBatch {
            let receipt = DeliveryReceipt(provider: .alibaba, source: .smsReport, bizId: biz, outId: nil,
                                          phoneNumber: "1380000000\(biz.count)", status: status, providerCode: code,
                                          providerText: text, sentAt: nil, reportedAt: at, rawBody: Data("{}".utf8))
            return LedgerBatch(receipts: [Received(receipt, receivedAt: at)])
        }
        _ = try await store.commit(LedgerBatch(sends: [send("a", "SMS_A", hourAgo), send("bb", "SMS_A", hourAgo),
                                                       send("ccc", "SMS_B", hourAgo), send("dddd", "SMS_A", tenDaysAgo)]))
        _ = try await store.commit(report("a", .delivered, "DELIVERED", "用户接收成功", hourAgo.addingTimeInterval(5)))
        _ = try await store.commit(report("bb", DeliveryStatus(state: .failed, isFinal: true), "MK:0001",
                                          "空号", hourAgo.addingTimeInterval(12)))
        _ = try await store.commit(report("dddd", .delivered, "DELIVERED", nil, tenDaysAgo.addingTimeInterval(1)))
        await store.close()
        return path
    }

    @Test func theTableShowsTheLastWeekWithRateTimesAndTopErrors() async throws {
        let path = try await Self.makeLedger()
        let result = try CommandLineTests.run(["stats", "--store", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("sends from ") == true)
        #expect(lines.contains { $0.hasPrefix("WINDOW") && $0.contains("RATE") && $0.contains("P95") })
        let row = try #require(lines.first { $0.hasPrefix("all ") })
        // 3 sends, 1 delivered, 1 failed, 0 expired, 0 unknown, 1 pending; 1 of 2 final delivered.
        #expect(row.split(separator: " ", omittingEmptySubsequences: true)
            == ["all", "3", "1", "1", "0", "0", "1", "50.0%", "5.0s", "12.0s"])
        #expect(result.stdout.contains("top errors"))
        #expect(lines.contains { $0.hasPrefix("MK:0001") && $0.contains("空号") })
    }

    @Test func jsonLinesByTemplateCarryExactFigures() async throws {
        let path = try await Self.makeLedger()
        let result = try CommandLineTests.run(["stats", "--store", path, "--by", "template", "--json", "--since", "30d"])
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["group"] as? String } == ["SMS_A", "SMS_B"])
        let a = objects[0]
        #expect(a["group_by"] as? String == "template")
        #expect(a["sends"] as? Int == 3 && a["delivered"] as? Int == 2 && a["failed"] as? Int == 1)
        #expect(abs((a["delivery_rate"] as? Double ?? 0) - 2.0 / 3.0) < 1e-12)
        #expect(a["median_ms"] as? Int == 5_000 && a["p95_ms"] as? Int == 12_000)
        let errors = try #require(a["top_errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect(errors.first?["code"] as? String == "MK:0001" && errors.first?["text"] as? String == "空号")
        let b = objects[1]
        #expect(b["pending"] as? Int == 1 && b["delivery_rate"] is NSNull && b["median_ms"] is NSNull)
    }

    @Test func helpNamesTheGroupingsAndTheBeijingDay() throws {
        let result = try CommandLineTests.run(["stats", "--help"])
        #expect(result.status == 0)
        for word in ["--since", "--until", "--by", "--json", "Beijing", "p95"] {
            #expect(result.stdout.contains(word), "\(word)")
        }
    }

    @Test func anUnknownGroupingIsRefused() throws {
        let result = try CommandLineTests.run(["stats", "--store", "/nonexistent", "--by", "week"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--by"))
    }
}

import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

/// `smsledger export`, `prune` and `backup` run as processes, as an operator or a cron job runs them.
@Suite("The command line: export, prune, backup")
struct MaintenanceCommandTests {
    static let awkward = "验证码,\"123\"\n请勿泄露"

    /// Three replies a day apart (the newest with commas, quotes and a line break in Chinese text),
    /// and a settled send with its receipt 60 days old.
    static func makeLedger(in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let store = try SQLiteLedgerStore(at: path)
        let now = Date()
        var batch = LedgerBatch()
        for (index, content) in ["第一", "second, plain", awkward].enumerated() {
            let when = now.addingTimeInterval(Double(index - 3) * 86_400)
            batch.append(.inbound(InboundMessage(phoneNumber: "1390000000\(index)", content: content, sentAt: when,
                                                 destCode: "1234", sequenceId: "\(index)", signName: nil,
                                                 rawBody: Data("{}".utf8))), receivedAt: when)
        }
        let old = now.addingTimeInterval(-60 * 86_400)
        batch.sends = [SendRecord(provider: .alibaba, bizId: "old^0", phoneNumber: "13800000001", outId: nil, sentAt: old,
                                  templateCode: nil, signName: nil)]
        batch.append(.receipt(DeliveryReceipt(provider: .alibaba, source: .smsReport, bizId: "old^0", outId: nil,
                                              phoneNumber: "13800000001", status: .delivered, providerCode: "DELIVERED",
                                              providerText: nil, sentAt: old, reportedAt: old, rawBody: Data("{}".utf8))),
                     receivedAt: old)
        _ = try await store.commit(batch)
        await store.close()
        return path
    }

    @Test func csvExportQuotesCommasQuotesAndLineBreaksAndKeepsChineseText() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        let ledger = try await Self.makeLedger(in: directory)
        let result = try CommandLineTests.run(["export", "--store", ledger, "--kind", "replies", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = CSVReader.parse(result.stdout)
        #expect(records.count == 4, "a header and three rows")
        let content = records[0].firstIndex(of: "content") ?? -1
        #expect(records.dropFirst().map { $0[content] } == ["第一", "second, plain", Self.awkward])
        #expect(result.stdout.hasSuffix("\r\n"))
    }

    @Test func jsonLinesExportHonoursTheWindow() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        let ledger = try await Self.makeLedger(in: directory)
        let result = try CommandLineTests.run(["export", "--store", ledger, "--kind", "replies", "--since", "60h",
                                               "--until", "0s"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["content"] as? String == "second, plain")
    }

    @Test func pruneDryRunCountsAndChangesNothingThenPruneRemoves() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        let ledger = try await Self.makeLedger(in: directory)
        let dry = try CommandLineTests.run(["prune", "--store", ledger, "--retention-days", "30", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would remove"))
        #expect(dry.stdout.contains("sends       1"))
        #expect(dry.stdout.contains("receipts    1"))
        #expect(dry.stdout.contains("replies     0"))
        let store = try SQLiteLedgerStore(readOnlyAt: ledger)
        #expect(try await store.counts().sends == 1)
        await store.close()

        let real = try CommandLineTests.run(["prune", "--store", ledger, "--retention-days", "30"])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(real.stdout.contains("removed"))
        let after = try SQLiteLedgerStore(readOnlyAt: ledger)
        #expect(try await after.counts() == LedgerCounts(receipts: 0, replies: 3, sends: 0, openSends: 0, quarantine: 0))
        await after.close()
    }

    @Test func backupWritesACheckedCopyAndRefusesToOverwrite() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        let ledger = try await Self.makeLedger(in: directory)
        let copy = directory.appendingPathComponent("copy.sqlite").path
        let result = try CommandLineTests.run(["backup", "--store", ledger, copy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("integrity_check: ok"))
        let replies = try CommandLineTests.run(["replies", "--store", copy, "--json"])
        #expect(replies.stdout.split(separator: "\n").count == 3)
        let again = try CommandLineTests.run(["backup", "--store", ledger, copy])
        #expect(again.status == 74)
        #expect(again.stderr.contains("exists already"))
    }
}

/// RFC 4180 read back, for checking what `export --format csv` wrote.
enum CSVReader {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let c = scalars[index]
            if quoted {
                if c == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 2
                        continue
                    }
                    quoted = false
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
                index += 2
                continue
            } else {
                field.unicodeScalars.append(c)
            }
            index += 1
        }
        return records
    }
}

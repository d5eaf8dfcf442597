import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

/// The `smsledger` executable itself, run as a process: exit codes, stdout and stderr as an
/// operator or a script sees them.
@Suite("The command line")
struct CommandLineTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary SwiftPM built next to this test bundle.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("smsledger").path

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smsledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A ledger with two receipts (one delivered, one failed), a reply and a quarantined body.
    static func makeLedger(in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("ledger.sqlite").path
        let store = try SQLiteLedgerStore(at: path)
        func receipt(_ biz: String, _ phone: String, _ status: DeliveryStatus, _ code: String) -> DeliveryReceipt {
            DeliveryReceipt(provider: .alibaba, source: .smsReport, bizId: biz, outId: "order-\(biz)", phoneNumber: phone,
                            status: status, providerCode: code, providerText: nil,
                            sentAt: Date(timeIntervalSince1970: 1_700_000_000),
                            reportedAt: Date(timeIntervalSince1970: 1_700_000_005), rawBody: Data("{}".utf8))
        }
        var batch = LedgerBatch()
        batch.append(.receipt(receipt("111^0", "13800000001", .delivered, "DELIVERED")), mnsMessageId: "m1")
        batch.append(.receipt(receipt("222^0", "13800000002", DeliveryStatus(state: .failed, isFinal: true), "MK:0001")),
                     mnsMessageId: "m2")
        batch.append(.inbound(InboundMessage(phoneNumber: "13800000003", content: "退订",
                                             sentAt: Date(timeIntervalSince1970: 1_700_000_100), destCode: "1234",
                                             sequenceId: "42", signName: nil, rawBody: Data("{}".utf8))))
        batch.append(.quarantine(QuarantineEntry(source: .smsReport, rawBody: Data("garbage".utf8),
                                                 reason: "message body is not valid base64")))
        _ = try await store.commit(batch)
        await store.close()
        return path
    }

    @Test func checkConfigNamesTheFileTheKeyAndTheLineOfATypoAndExits78() throws {
        let directory = try Self.temporaryDirectory()
        let config = directory.appendingPathComponent("smsledger.toml").path
        try "[polling]\n# comment\nwait_secs = 3\n".write(toFile: config, atomically: true, encoding: .utf8)
        let result = try Self.run(["check-config", "--config", config])
        #expect(result.status == 78)
        #expect(result.stderr.contains(config))
        #expect(result.stderr.contains("polling.wait_secs"))
        #expect(result.stderr.contains(":3"), "the line of the typo")
        #expect(result.stderr.contains("wait_seconds"), "a suggestion")
    }

    @Test func checkConfigPrintsTheEffectiveConfigWithSecretsMasked() throws {
        let directory = try Self.temporaryDirectory()
        let config = directory.appendingPathComponent("smsledger.toml").path
        try "[alibaba]\naccess_key_id = \"LTAIabc\"\naccess_key_secret = \"TopSecretValue123\"\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try Self.run(["check-config", "--config", config], environment: ["SMSLEDGER_POLLING_WAIT_SECONDS": "7"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("wait_seconds = 7"), "environment overrides apply")
        #expect(!result.stdout.contains("TopSecretValue123") && !result.stderr.contains("TopSecretValue123"))
        #expect(result.stdout.contains("<redacted>"))
        #expect(result.stderr.contains("inline secret"), "an inline secret is warned about")
    }

    @Test func receiptsAsJSONLinesFilterByPhoneWithSnakeCaseFields() async throws {
        let path = try await Self.makeLedger(in: try Self.temporaryDirectory())
        let result = try Self.run(["receipts", "--store", path, "--json", "--phone", "13800000002"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["biz_id"] as? String == "222^0")
        #expect(object["state"] as? String == "failed")
        #expect(object["provider_code"] as? String == "MK:0001")
        #expect(object["mns_message_id"] as? String == "m2")
    }

    @Test func sendsFilterByStateAndPrintATable() async throws {
        let path = try await Self.makeLedger(in: try Self.temporaryDirectory())
        let result = try Self.run(["sends", "--store", path, "--state", "delivered"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("BIZ_ID"))
        #expect(result.stdout.contains("111^0"))
        #expect(!result.stdout.contains("222^0"))
        #expect(result.stdout.contains("(1 rows)"))
    }

    @Test func repliesAndQuarantineAreReadable() async throws {
        let path = try await Self.makeLedger(in: try Self.temporaryDirectory())
        let replies = try Self.run(["replies", "--store", path, "--json"])
        #expect(replies.stdout.contains("\"content\":\"退订\""))
        let quarantine = try Self.run(["quarantine", "--store", path, "--json"])
        #expect(quarantine.stdout.contains("\"reason\":\"message body is not valid base64\""))
        #expect(quarantine.stdout.contains("\"raw_body\":\"garbage\""))
    }

    @Test func readingNeverCreatesOrChangesALedger() async throws {
        let directory = try Self.temporaryDirectory()
        let missing = directory.appendingPathComponent("nope.sqlite").path
        let result = try Self.run(["receipts", "--store", missing])
        #expect(result.status != 0)
        #expect(result.stderr.contains("read-only"))
        #expect(!FileManager.default.fileExists(atPath: missing))

        let path = try await Self.makeLedger(in: directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try Self.run(["receipts", "--store", path])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aBadTimeFilterIsExplained() throws {
        let result = try Self.run(["receipts", "--store", "/nonexistent", "--since", "yesterday-ish"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--since"))
    }
}

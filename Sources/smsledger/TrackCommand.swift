import ArgumentParser
import Foundation
import LedgerStore
import Parsers
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon

struct TrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Record sends made elsewhere, so their receipts are linked and compensation follows them up.",
        discussion: """
            One send from the options, or many from --file (JSON lines; '-' reads stdin), each line \
            an object with the fields POST /v1/sends takes: provider ("alibaba" default or \
            "telesign"), biz_id, phone_number (required for alibaba), out_id, sent_at (RFC 3339 or \
            Beijing "yyyy-MM-dd HH:mm:ss"; default now), template_code, sign_name. Blank lines and \
            lines starting with # are skipped.

            The whole input is checked before anything is written: a bad line is reported with its \
            number and field, and nothing from the file is stored. Recording a send twice is \
            harmless, so an import can simply be run again.

            Exit codes: 0 recorded, 64 bad arguments, 65 bad input (EX_DATAERR), 66 no such file, \
            73 the ledger cannot be opened, 75 the ledger could not commit (retry), 78 invalid configuration.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file naming the ledger.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: ArgumentHelp("Write to this ledger file instead of the configured one (the configuration is then not read).",
                               valueName: "path"))
    var store: String?

    @Option(help: ArgumentHelp("JSON lines to import; '-' for stdin.", valueName: "path"))
    var file: String?

    @Option(help: "alibaba (default) or telesign.")
    var provider: String?

    @Option(name: .customLong("biz-id"), help: "The provider's id of the send (Alibaba BizId / TeleSign reference_id).")
    var bizId: String?

    @Option(help: "The recipient (required for alibaba).")
    var phone: String?

    @Option(name: .customLong("sent-at"), help: ArgumentHelp("When it was sent: RFC 3339 or Beijing yyyy-MM-dd HH:mm:ss; default now.",
                                                             valueName: "time"))
    var sentAt: String?

    @Option(name: .customLong("out-id"), help: "The sender's own id (OutId / external_id).")
    var outId: String?

    @Option(name: .customLong("template-code"), help: "The template used, if known.")
    var templateCode: String?

    @Option(name: .customLong("sign-name"), help: "The signature used, if known.")
    var signName: String?

    func validate() throws {
        let single = [provider, bizId, phone, sentAt, outId, templateCode, signName].contains { $0 != nil }
        if file != nil, single {
            throw ValidationError("use either --file or the options of one send (--biz-id, --phone, ...), not both")
        }
        if file == nil, bizId == nil { throw ValidationError("--biz-id (or --file) is required") }
    }

    func run() async throws {
        do {
            let records = try readRecords()
            let (ledger, firstCheckDelay) = try await openLedger()
            let counts: ItemCount
            do {
                counts = try await SendImport.commit(records, to: ledger, firstCheckDelay: firstCheckDelay)
            } catch {
                await ledger.close()
                throw CLIError("could not record the sends (run the same command again; nothing is counted twice): \(error)",
                               exitCode: 75)
            }
            await ledger.close()
            FileOutput.write("tracked \(records.count) send\(records.count == 1 ? "" : "s"): \(counts.new) new, "
                             + "\(counts.duplicate) already tracked\n")
        } catch let error as CLIError {
            FileOutput.writeError("smsledger track: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }

    private func readRecords() throws -> [SendRecord] {
        let now = Date()
        guard let file else {
            let fields = [("provider", provider), ("biz_id", bizId), ("phone_number", phone), ("sent_at", sentAt),
                          ("out_id", outId), ("template_code", templateCode), ("sign_name", signName)]
            let object = JSONObject(fields.compactMap { name, value in
                value.map { JSONObject.Member(key: name, value: .string($0)) }
            })
            do {
                return [try SendRecordDecoding.record(.object(object), now: now)]
            } catch {
                throw CLIError("--\(Self.optionName(error.field)) \(error.message)", exitCode: 64)
            }
        }
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError("cannot read \(file)", exitCode: 66)
            }
            data = contents
        }
        do {
            let records = try SendImport.parse(data, now: now)
            guard !records.isEmpty else { throw CLIError("\(file == "-" ? "stdin" : file) holds no sends", exitCode: 65) }
            return records
        } catch let error as SendRecordError {
            throw CLIError("\(file == "-" ? "stdin" : file), \(error); nothing was recorded", exitCode: 65)
        }
    }

    /// The ledger, opened read-write (a file is created if needed), and the configured first-check delay.
    private func openLedger() async throws -> (any LedgerStore, TimeInterval) {
        var settings = StoreSettings()
        var schedule = CheckSchedule()
        if let store {
            settings.path = store
        } else {
            do {
                let loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment).configuration
                settings = loaded.store
                schedule = CheckSchedule(firstCheckAfter: loaded.compensation.firstCheckAfter, backoff: loaded.compensation.backoff)
            } catch {
                throw CLIError("\(error)\n(or name the ledger file with --store PATH)", exitCode: ConfigurationErrors.exitCode)
            }
        }
        do {
            return (try await LedgerOpening.open(settings), schedule.firstCheckDelay)
        } catch {
            throw CLIError("cannot open the ledger at \(LedgerOpening.location(settings)): \(error)", exitCode: 73)
        }
    }

    /// `phone_number` → `phone`: errors name the option the user typed.
    static func optionName(_ field: String) -> String {
        switch field {
        case "biz_id": "biz-id"
        case "phone_number": "phone"
        case "sent_at": "sent-at"
        case "out_id": "out-id"
        case "template_code": "template-code"
        case "sign_name": "sign-name"
        default: field
        }
    }
}

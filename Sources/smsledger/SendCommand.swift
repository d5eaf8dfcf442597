import AlibabaCloud
import ArgumentParser
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerDaemon

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send an SMS through Alibaba SendSms, record it in the ledger, print its BizId.",
        discussion: """
            Uses the access key and Dysmsapi endpoint of the configuration. Every recipient is \
            recorded as a tracked send, so its receipt is linked when it arrives and compensation \
            asks QuerySendDetails about it if it never does. Only the BizId goes to stdout.

            Exit codes: 0 sent and recorded; 64 bad arguments; 69 Alibaba refused or could not be \
            reached (its error code is shown, e.g. isv.MOBILE_NUMBER_ILLEGAL); 73 the ledger cannot \
            be opened (nothing was sent); 74 sent but NOT recorded (the BizId is shown: record it \
            with `smsledger track`); 78 invalid configuration or credentials refused.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: "Recipient; several separated by commas (one BizId for all).")
    var phone: String

    @Option(name: .customLong("sign-name"), help: "The approved signature (签名).")
    var signName: String

    @Option(name: .customLong("template-code"), help: "The approved template, e.g. SMS_154950909.")
    var templateCode: String

    @Option(name: .customLong("template-param"), help: ArgumentHelp("Template variables as a JSON object, e.g. '{\"code\":\"1234\"}'.",
                                                                     valueName: "json"))
    var templateParam: String?

    @Option(name: .customLong("out-id"), help: "Your own id for this send, echoed in its receipt.")
    var outId: String?

    func run() async throws {
        let sms = OutboundSms(
            phoneNumbers: phone.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            signName: signName, templateCode: templateCode, templateParam: templateParam, outId: outId)
        let loaded: SMSLedgerConfiguration
        do {
            loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment).configuration
        } catch {
            FileOutput.writeError("smsledger send: \(error)\n")
            throw ExitCode(ConfigurationErrors.exitCode)
        }
        let ledger: any LedgerStore
        do {
            ledger = try await LedgerOpening.open(loaded.store)
        } catch {
            FileOutput.writeError("smsledger send: cannot open the ledger at \(LedgerOpening.location(loaded.store)) "
                + "(nothing was sent): \(error)\n")
            throw ExitCode(73)
        }
        let transport = AsyncHTTPClientTransport()
        let result: Result<SentSms, SmsSendError>
        do {
            let sender = try SmsSender(configuration: loaded, transport: transport, store: ledger)
            result = .success(try await sender.send(sms))
        } catch {
            result = .failure(error)
        }
        try? await transport.shutdown()
        await ledger.close()
        switch result {
        case .success(let sent):
            FileOutput.write(sent.bizId + "\n")
        case .failure(let error):
            FileOutput.writeError("smsledger send: \(error)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

import ArgumentParser
import Foundation
import SMSLedgerConfig
import SMSLedgerDaemon

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the effective configuration.",
        discussion: """
            Applies SMSLEDGER_<SECTION>_<KEY> environment overrides and resolves secrets exactly \
            as `smsledger run` would. Prints the effective configuration with secrets masked and \
            exits 0, or prints every error (file, key and line) and exits 78 (EX_CONFIG).
            With --example it prints the documented example configuration instead (every key with \
            its default, range and meaning; the same text as Config/smsledger.toml).
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Flag(help: "Print the example configuration (every key, commented out at its default) and exit.")
    var example = false

    func run() throws {
        if example {
            FileOutput.standardOutput(ExampleConfigText.render())
            return
        }
        do {
            let loaded = try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment)
            for warning in loaded.warnings { FileOutput.standardError("warning: \(warning)\n") }
            FileOutput.standardOutput(ConfigLoader.effectiveConfigText(loaded.configuration))
        } catch {
            FileOutput.standardError("\(error)\n")
            throw ExitCode(ConfigurationErrors.exitCode)
        }
    }
}

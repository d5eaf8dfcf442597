import ArgumentParser
import SMSLedgerDaemon

/// Which ledger a maintenance command works on: the configuration's, or `--store`.
struct LedgerFileOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file naming the ledger.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: ArgumentHelp("Use this ledger file instead of the one in the configuration.", valueName: "path"))
    var store: String?

    func path() throws -> String {
        try LedgerOptions.ledgerPath(config: config, store: store)
    }
}

extension CLIError {
    /// Prints the error the way every ledger command does and exits with its code.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CLIError {
            FileOutput.writeError("smsledger: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
    }
}

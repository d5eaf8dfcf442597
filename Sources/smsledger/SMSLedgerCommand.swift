import ArgumentParser
import SMSLedgerDaemon

@main
struct SMSLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smsledger",
        abstract: "A durable ledger for Alibaba Cloud SMS receipts, replies and status callbacks.",
        discussion: """
            The daemon (`smsledger run`) long-polls the Alicom MNS queues SmsReport and SmsUp with a \
            temporary token, normalises every message, commits it to a SQLite ledger and only then \
            deletes it from the queue. The other commands check a config file, read the ledger, and \
            run a local emulator of the Alibaba services for development and demos.

            Start here:  smsledger demo
            Then:        smsledger check-config --config Config/smsledger.toml
            """,
        subcommands: [RunCommand.self, CheckConfigCommand.self, ReceiptsCommand.self, RepliesCommand.self,
                      SendsCommand.self, QuarantineCommand.self, StatsCommand.self, ExportCommand.self, PruneCommand.self,
                      BackupCommand.self, DeliveriesCommand.self, SendCommand.self, TrackCommand.self,
                      EmulatorCommand.self, DemoCommand.self])

    /// For `run`, the signal handlers go in before anything else (argument parsing included): a
    /// SIGTERM or SIGHUP in the first milliseconds would otherwise take the default action and
    /// kill the daemon instead of being handled once it is ready.
    static func main() async {
        if CommandLine.arguments.dropFirst().first == "run" { _ = SignalEvents.process }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

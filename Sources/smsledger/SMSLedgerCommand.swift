import ArgumentParser

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
                      SendsCommand.self, QuarantineCommand.self, EmulatorCommand.self, DemoCommand.self])
}

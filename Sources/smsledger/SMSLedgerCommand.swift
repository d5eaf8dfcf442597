import ArgumentParser

@main
struct SMSLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smsledger",
        abstract: "A durable ledger for Alibaba Cloud SMS receipts, replies and status callbacks.")
}

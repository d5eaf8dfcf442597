import ArgumentParser
import Foundation
import LedgerStore
import SMSLedgerConfig
import SMSLedgerCore
import SMSLedgerDaemon

/// Options shared by the commands that read the ledger.
struct LedgerOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The configuration file naming the ledger.", valueName: "file"))
    var config: String = "/etc/smsledger/smsledger.toml"

    @Option(help: ArgumentHelp("Read this ledger file instead of the one in the configuration.", valueName: "path"))
    var store: String?

    @Option(help: "Only this phone number.")
    var phone: String?

    @Option(name: .customLong("biz-id"), help: "Only this send (Alibaba BizId / TeleSign reference_id).")
    var bizId: String?

    @Option(name: .customLong("out-id"), help: "Only this sender's id (Alibaba OutId / TeleSign external_id).")
    var outId: String?

    @Option(help: ArgumentHelp("Only this state: pending, delivered, failed, expired or unknown.", valueName: "state"))
    var state: DeliveryState?

    @Option(help: ArgumentHelp("""
        From this time: RFC 3339 (2026-11-23T08:00:00Z), a date (2026-11-23, UTC), or an age \
        (30m, 6h, 7d ago).
        """, valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Up to this time (same forms as --since).", valueName: "time"))
    var until: String?

    @Option(help: "At most this many rows, newest first.")
    var limit: Int = 50

    @Flag(help: "One JSON object per line (snake_case fields) instead of a table.")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(limit) else { throw ValidationError("--limit must be in 1...1000000") }
        if let since { _ = try TimeArgument.parse(since, option: "--since") }
        if let until { _ = try TimeArgument.parse(until, option: "--until") }
    }

    func query(now: Date = Date()) throws -> LedgerQuery {
        LedgerQuery(phoneNumber: phone, bizId: bizId, outId: outId, state: state,
                    from: try since.map { try TimeArgument.parse($0, option: "--since", now: now) },
                    to: try until.map { try TimeArgument.parse($0, option: "--until", now: now) },
                    limit: limit)
    }

    /// Opens the ledger to read it: `--store FILE` (SQLite, read-only: reading never creates or changes a
    /// file), else the configuration's `[store]`, SQLite or PostgreSQL.
    func openLedger() async throws -> any LedgerStore {
        try await Self.openLedger(config: config, store: store)
    }

    /// As ``openLedger()``, for commands that take only `--config` and `--store` of these options.
    static func openLedger(config: String, store: String?) async throws -> any LedgerStore {
        if store == nil {
            let settings = try loadConfiguration(config).store
            if settings.backend == .postgresql { return try await openShared(settings) }
        }
        return try openStore(config: config, store: store)
    }

    /// The configuration's PostgreSQL ledger (read-write: a shared ledger has no read-only opening).
    static func openShared(_ settings: StoreSettings) async throws -> any LedgerStore {
        do {
            return try await LedgerOpening.open(settings)
        } catch {
            throw CLIError("cannot open the ledger at \(LedgerOpening.location(settings)): \(error)", exitCode: 69)
        }
    }

    /// The SQLite ledger file, read-only: for `backup`, which only a file has, and for the file named
    /// by `--store`; with a PostgreSQL configuration and no `--store` it says so.
    static func openStore(config: String, store: String?) throws -> SQLiteLedgerStore {
        let path = try ledgerPath(config: config, store: store)
        do {
            return try SQLiteLedgerStore(readOnlyAt: path)
        } catch {
            throw CLIError("cannot open the ledger at \(path) read-only: \(error)", exitCode: 66)
        }
    }

    /// The ledger file: `--store` when given, else `[store] path` of the configuration.
    static func ledgerPath(config: String, store: String?) throws -> String {
        if let store { return store }
        let settings = try loadConfiguration(config).store
        guard settings.backend == .sqlite else {
            throw CLIError("this command works on a SQLite ledger file only for now, and the configuration names "
                + "the PostgreSQL ledger \(settings.postgres.url); name a file with --store PATH", exitCode: 64)
        }
        return settings.path
    }

    static func loadConfiguration(_ config: String) throws -> SMSLedgerConfiguration {
        do {
            return try ConfigLoader.load(path: config, environment: ProcessInfo.processInfo.environment).configuration
        } catch {
            throw CLIError("\(error)\n(or name the ledger file with --store PATH)", exitCode: ConfigurationErrors.exitCode)
        }
    }
}

extension DeliveryState: ExpressibleByArgument {}

/// A failure with a message for the terminal and a distinct exit code.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32

    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
}

enum TimeArgument {
    static func parse(_ text: String, option: String, now: Date = Date()) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let last = trimmed.last, let unit = ["s": 1.0, "m": 60, "h": 3600, "d": 86400][String(last)],
           let amount = Double(trimmed.dropLast()), amount >= 0 {
            return now.addingTimeInterval(-amount * unit)
        }
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: trimmed) { return date }
        iso.formatOptions = [.withFullDate]
        if let date = iso.date(from: trimmed) { return date }
        throw ValidationError("\(option) '\(text)' is not a time: use 2026-11-23T08:00:00Z, 2026-11-23, or an age like 6h")
    }
}

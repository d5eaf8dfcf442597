import ArgumentParser
import SMSLedgerDaemon
import Foundation
import LedgerStore
import SMSLedgerConfig

/// `smsledger prune`: what the daemon's pruner does, now, or a preview of it.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove (or with --dry-run, count) what the retention lets go.",
        discussion: """
            Past `[store] retention_days` (default 180) the ledger lets go of settled sends with their \
            receipts, replies, and quarantined bodies not seen since. A send still open is kept at \
            least 30 days (while QuerySendDetails can settle it). The daemon does this by itself every \
            `[store] prune_interval_seconds`; this command does it now, in the same small \
            transactions, and is safe while the daemon runs. Freed space is reused by new rows; the \
            file does not shrink (a backup is a compacted copy: see `smsledger backup --help`).

            Examples:
              smsledger prune --dry-run
              smsledger prune --retention-days 365
            """)

    @OptionGroup var ledger: LedgerFileOptions

    @Flag(help: "Only count what would be removed; change nothing (reads the ledger read-only).")
    var dryRun = false

    @Option(help: ArgumentHelp("Keep this many days instead of the configuration's retention_days.", valueName: "days"))
    var retentionDays: Int?

    func validate() throws {
        if let retentionDays, !(1...36500).contains(retentionDays) {
            throw ValidationError("--retention-days must be in 1...36500")
        }
    }

    func run() async throws {
        try await CLIError.reporting {
            let policy = try self.policy()
            guard policy.prunes else {
                FileOutput.write("retention_days = 0: the ledger keeps everything; nothing to prune\n")
                return
            }
            let now = Date()
            let cutoffs = policy.cutoffs(now: now)
            let bounds = "settled rows before \(RowRendering.rfc3339(cutoffs.settledBefore)), "
                + "open sends before \(RowRendering.rfc3339(cutoffs.openBefore))"
            let store = try await open(forWriting: !dryRun)
            if dryRun {
                let would = try await store.pruneCandidates(policy, now: now)
                await store.close()
                FileOutput.write("would remove (\(bounds)):\n" + Self.lines(would))
            } else {
                let pass = try await Self.prune(store, policy, now: now)
                FileOutput.write("removed (\(bounds)):\n" + Self.lines(pass.removed)
                    + "transactions: \(pass.batches), mean \(Self.millis(pass.mean)), longest \(Self.millis(pass.longest))\n")
            }
        }
    }

    /// The ledger file (read-only for a dry run), or the configuration's PostgreSQL ledger.
    private func open(forWriting: Bool) async throws -> any LedgerStore & LedgerRetention {
        if ledger.store == nil, case let settings = try LedgerOptions.loadConfiguration(ledger.config).store,
           settings.backend == .postgresql {
            guard let shared = try await LedgerOptions.openShared(settings) as? any LedgerStore & LedgerRetention else {
                throw CLIError("the ledger at \(LedgerOpening.location(settings)) cannot prune", exitCode: 69)
            }
            return shared
        }
        let path = try ledger.path()
        guard forWriting else { return try LedgerOptions.openStore(config: ledger.config, store: path) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIError("no ledger at \(path)", exitCode: 66)
        }
        do { return try SQLiteLedgerStore(at: path) } catch {
            throw CLIError("cannot open the ledger at \(path): \(error)", exitCode: 73)
        }
    }

    private func policy() throws -> RetentionPolicy {
        if let retentionDays { return RetentionPolicy(retentionDays: retentionDays) }
        let configuration = try LedgerOptions.loadConfiguration(ledger.config)
        return RetentionPolicy(retentionDays: configuration.store.retentionDays,
                               openSendWindowDays: max(30, configuration.compensation.windowDays))
    }

    private static func prune(_ store: any LedgerStore & LedgerRetention, _ policy: RetentionPolicy,
                              now: Date) async throws -> Pruner.PassResult {
        // Back to back: a daemon running meanwhile gets the write lock between two batches (its busy
        // timeout waits out at most one, sized to about 5 ms).
        let result = await Pruner.removeAll(policy, from: store, now: { now }, sizer: PruneBatchSizer(), pause: .zero)
        await store.close()
        if let failure = result.failure {
            throw CLIError("pruning stopped after removing \(result.removed): \(failure)", exitCode: 1)
        }
        return result
    }

    /// `12.9 ms`: how long a commit of the daemon may have waited behind one transaction.
    private static func millis(_ duration: Duration) -> String {
        String(format: "%.1f ms", Pruner.milliseconds(duration))
    }

    private static func lines(_ summary: PruneSummary) -> String {
        """
          sends       \(summary.sends)
          receipts    \(summary.receipts)
          replies     \(summary.replies)
          quarantine  \(summary.quarantine)

        """
    }
}

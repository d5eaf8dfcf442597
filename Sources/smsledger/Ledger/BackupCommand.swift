import ArgumentParser
import SMSLedgerDaemon
import Foundation
import LedgerStore

/// `smsledger backup FILE`: a consistent, checked copy of the ledger, safe while the daemon runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, verified copy of the ledger to FILE, while the daemon runs.",
        discussion: """
            The copy is one snapshot of the ledger (SQLite's VACUUM INTO in one read transaction): \
            the daemon keeps committing meanwhile and is not slowed beyond the disk's shared \
            bandwidth. The copy is compacted (no free pages), checked with PRAGMA integrity_check and \
            the ledger's schema check, synced to disk, and only then given its name; FILE must not \
            exist. Reads the ledger read-only.

            Restore: stop the daemon, move the ledger file and its -wal and -shm files aside, copy \
            the backup to the ledger's path (owned by the service user), start the daemon. README.md, \
            "Backup and restore", has the commands.

            Example:
              smsledger backup /var/backups/smsledger/ledger-$(date +%F).sqlite
            """)

    @OptionGroup var ledger: LedgerFileOptions

    @Argument(help: ArgumentHelp("Where to write the copy; must not exist.", valueName: "file"))
    var file: String

    func run() async throws {
        try await CLIError.reporting {
            let source = try ledger.path()
            let started = ContinuousClock.now
            let result: LedgerBackupResult
            do {
                result = try LedgerBackup.copy(from: source, to: file)
            } catch {
                throw CLIError("backup of \(source) failed: \(error)", exitCode: 74)
            }
            FileOutput.write("""
                backup written: \(result.path) (\(result.bytes) bytes, schema \(result.schemaVersion), \
                \(ContinuousClock.now - started))
                integrity_check: ok
                rows: \(result.counts)

                """)
        }
    }
}

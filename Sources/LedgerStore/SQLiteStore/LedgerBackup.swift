import CSQLite
import Foundation

/// What a backup wrote, read back from the copy itself.
public struct LedgerBackupResult: Sendable, Hashable {
    public var path: String
    public var bytes: Int64
    public var schemaVersion: Int64
    /// Rows in the copy, counted on the copy after its integrity check.
    public var counts: LedgerCounts
}

/// A consistent copy of a live ledger, taken while the daemon writes to it.
///
/// `VACUUM INTO` on a read-only connection, not SQLite's online backup API: the backup API copies
/// page ranges in steps and starts over whenever another connection writes to the source between
/// two steps, so against a daemon that commits many times a second it would never finish (or would
/// have to hold a read lock in one step, which is what `VACUUM INTO` does anyway). `VACUUM INTO`
/// reads one snapshot in one read transaction; in WAL mode a reader never blocks the writer, so
/// commits go on while it runs (the WAL only cannot start over until it ends, so it grows by what is
/// committed meanwhile). The copy is also compacted: free pages left by pruning are not copied.
///
/// The copy is written beside the destination under a temporary name, checked with
/// `PRAGMA integrity_check` and the ledger's own identity and schema checks, fsynced, and only then
/// renamed into place: a destination that exists is always a complete, checked ledger.
public enum LedgerBackup {
    /// Copies the ledger at `source` to `destination`, which must not exist yet.
    public static func copy(from source: String, to destination: String,
                            options: SQLiteLedgerOptions = SQLiteLedgerOptions()) throws -> LedgerBackupResult {
        let manager = FileManager.default
        guard !manager.fileExists(atPath: destination) else {
            throw StoreError(.rejected, message: "\(destination) exists already; a backup never overwrites a file")
        }
        guard manager.fileExists(atPath: source) else {
            throw StoreError(.unavailable, code: SQLITE_CANTOPEN, message: "no ledger at \(source)")
        }
        let partial = destination + ".partial"
        try? manager.removeItem(atPath: partial)
        do {
            try snapshot(source, into: partial, options: options)
            let result = try verify(partial, reportingAs: destination)
            try syncFile(partial)
            guard rename(partial, destination) == 0 else {
                throw StoreError(.unavailable, message: "cannot rename \(partial) to \(destination): errno \(errno)")
            }
            syncDirectory(of: destination)
            return result
        } catch {
            try? manager.removeItem(atPath: partial)
            throw error
        }
    }

    private static func snapshot(_ source: String, into path: String, options: SQLiteLedgerOptions) throws {
        let connection = try SQLiteConnection(path: source, mode: .readOnly)
        defer { connection.close() }
        try connection.exec("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        try LedgerSchema.verifyCurrent(connection)
        try connection.withStatement("VACUUM INTO ?1") { statement in
            try statement.bind(path, at: 1)
            try statement.run()
        }
    }

    /// Opens the copy read-only and checks it the way the daemon and an operator would.
    private static func verify(_ path: String, reportingAs destination: String) throws -> LedgerBackupResult {
        let copy = try SQLiteConnection(path: path, mode: .readOnly)
        defer { copy.close() }
        let problems = try copy.withStatement("PRAGMA integrity_check") { statement in
            var lines: [String] = []
            while try statement.step() { lines.append(statement.string(0)) }
            return lines
        }
        guard problems == ["ok"] else {
            throw StoreError(.rejected, message: "the copy failed its integrity check: "
                + problems.prefix(5).joined(separator: "; "))
        }
        try LedgerSchema.verifyCurrent(copy)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return LedgerBackupResult(path: destination, bytes: size, schemaVersion: LedgerSchema.latestVersion,
                                  counts: try LedgerReader(connection: copy).counts())
    }

    /// `VACUUM INTO` does not sync what it writes; the copy must be on disk before it takes the
    /// destination's name.
    private static func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw StoreError(.unavailable, message: "cannot open \(path) to sync it: errno \(errno)")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw StoreError(.unavailable, message: "cannot sync \(path): errno \(errno)")
        }
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

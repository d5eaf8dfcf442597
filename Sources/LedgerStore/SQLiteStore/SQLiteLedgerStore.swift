import CSQLite
import Foundation
import SMSLedgerCore

/// The ledger in one SQLite file, in WAL mode.
///
/// Writes are serialised on one read-write connection; reads use a second, read-only connection so a
/// status query never waits behind a commit's fsync (WAL lets readers and the writer run together).
/// Each connection lives on its own serial queue, off Swift's cooperative pool. Commits that arrive
/// together share one transaction and one fsync (see ``GroupCommit``).
///
/// Sendable because its only state is two ``ConnectionQueue``s and immutable values.
public final class SQLiteLedgerStore: LedgerStore {
    /// The database file.
    public let path: String
    /// `true` for ``init(readOnlyAt:options:)``: every write fails with ``StoreError/Kind/unavailable``.
    public let isReadOnly: Bool
    /// What the write connection actually runs with, read back after configuring it.
    public let durability: SQLiteDurability

    let writer: ConnectionQueue
    /// ``SQLiteLedgerOptions/webhookEvents``.
    let emitsWebhookEvents: Bool
    let reader: ConnectionQueue
    private let groupCommit: GroupCommit
    /// `nil` for a read-only store.
    let checkpointer: WALCheckpointer?

    /// Opens (creating if needed) the ledger at `path` for reading and writing, switches it to WAL,
    /// applies `options` and migrates the schema to this build's version.
    ///
    /// Blocks the calling thread while it does so; call it once at startup.
    ///
    /// - Parameter observer: told about every group commit (the daemon's metrics); `nil` for none.
    public convenience init(at path: String, options: SQLiteLedgerOptions = SQLiteLedgerOptions(),
                            observer: (any CommitObserver)? = nil) throws {
        try self.init(at: path, options: options, checkpoints: WALCheckpointer.Thresholds(), observer: observer)
    }

    /// As ``init(at:options:)``, with the WAL checkpoint thresholds given (tests make them small).
    init(at path: String, options: SQLiteLedgerOptions, checkpoints thresholds: WALCheckpointer.Thresholds,
         observer: (any CommitObserver)? = nil) throws {
        let write = try SQLiteConnection(path: path, mode: .readWriteCreate)
        durability = try Self.configureWriter(write, options: options)
        try LedgerSchema.migrate(write)
        // Opened after the migration, so the reader never sees a file without the WAL or the schema.
        let read = try SQLiteConnection(path: path, mode: .readOnly)
        try read.exec("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        let checkpoints = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try checkpoints.exec("PRAGMA synchronous = \(options.synchronous.pragmaValue)")
        let checkpointer = WALCheckpointer(connection: checkpoints, thresholds: thresholds)
        write.onWALCommit { [unowned write] frames in checkpointer.walCommitted(frames: frames, writer: write) }
        self.path = path
        self.isReadOnly = false
        self.writer = ConnectionQueue(label: "smsledger.ledger.writer", connection: write)
        self.reader = ConnectionQueue(label: "smsledger.ledger.reader", connection: read)
        self.groupCommit = GroupCommit(writer: writer, observer: observer, emitsEvents: options.webhookEvents)
        self.emitsWebhookEvents = options.webhookEvents
        self.checkpointer = checkpointer
    }

    /// Opens an existing ledger for reading only, e.g. for the CLI while the daemon runs.
    ///
    /// Never creates or migrates anything: a missing file, a file that is not a ledger, or a ledger
    /// at another schema version fails with a ``StoreError`` that says so.
    public init(readOnlyAt path: String, options: SQLiteLedgerOptions = SQLiteLedgerOptions()) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.unavailable, code: SQLITE_CANTOPEN,
                             message: "no ledger at \(path) (a read-only opening never creates one)")
        }
        let read = try SQLiteConnection(path: path, mode: .readOnly)
        try read.exec("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        try LedgerSchema.verifyCurrent(read)
        durability = try Self.readDurability(read)
        self.path = path
        self.isReadOnly = true
        let queue = ConnectionQueue(label: "smsledger.ledger.readonly", connection: read)
        self.writer = queue
        self.reader = queue
        self.groupCommit = GroupCommit(writer: queue)
        self.emitsWebhookEvents = false
        self.checkpointer = nil
    }

    // MARK: LedgerStore

    public func commit(_ batch: LedgerBatch) async throws -> CommitSummary {
        guard !batch.isEmpty else { return CommitSummary() }
        return try await groupCommit.commit(batch)
    }

    public func receipts(_ query: LedgerQuery) async throws -> [StoredReceipt] {
        try await reader.run { try LedgerReader(connection: $0).receipts(query) }
    }

    public func replies(_ query: LedgerQuery) async throws -> [StoredReply] {
        try await reader.run { try LedgerReader(connection: $0).replies(query) }
    }

    public func sends(_ query: LedgerQuery) async throws -> [TrackedSend] {
        try await reader.run { try LedgerReader(connection: $0).sends(query) }
    }

    public func quarantine(_ query: LedgerQuery) async throws -> [StoredQuarantine] {
        try await reader.run { try LedgerReader(connection: $0).quarantine(query) }
    }

    public func dueSends(now: Date, limit: Int) async throws -> [TrackedSend] {
        try await reader.run { try LedgerReader(connection: $0).dueSends(now: now, limit: limit) }
    }

    public func markChecked(_ checks: [SendCheck]) async throws {
        guard !checks.isEmpty else { return }
        let events = emitsWebhookEvents
        try await writer.run { connection in
            try connection.transaction {
                for check in checks {
                    if events, case .close(let reason) = check.outcome {
                        try OutboxWriter(connection: connection).appendClosed(check, reason: reason)
                    }
                    try Self.record(check, on: connection)
                }
            }
        }
    }

    public func counts() async throws -> LedgerCounts {
        try await reader.run { try LedgerReader(connection: $0).counts() }
    }

    public func close() async {
        await checkpointer?.close()
        await writer.close()
        if !isReadOnly { await reader.close() }
    }

    // MARK: Internals

    /// Runs `body` on the write connection. For tests that inspect pragmas or provoke failures.
    func withWriteConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.run(body)
    }

    private static func record(_ check: SendCheck, on connection: SQLiteConnection) throws {
        let sql: String
        switch check.outcome {
        case .checkAgain: sql = SQL.scheduleCheck
        case .close: sql = SQL.closeSend
        }
        try connection.withStatement(sql) { statement in
            try statement.bind(check.send.provider.rawValue, at: 1)
            try statement.bind(check.send.bizId, at: 2)
            try statement.bind(check.send.phoneNumber ?? "", at: 3)
            try statement.bind(check.checkedAt, at: 4)
            switch check.outcome {
            case .checkAgain(let at): try statement.bind(at, at: 5)
            case .close(let reason): try statement.bind(reason, at: 5)
            }
            try statement.run()
        }
    }

    /// WAL, the requested `synchronous`, the busy timeout and foreign keys, each read back: a setting
    /// that did not take effect is an error at startup, not a surprise after a power cut.
    private static func configureWriter(_ connection: SQLiteConnection,
                                        options: SQLiteLedgerOptions) throws -> SQLiteDurability {
        try connection.exec("PRAGMA busy_timeout = \(options.busyTimeoutMilliseconds)")
        let mode = try connection.scalarText("PRAGMA journal_mode = WAL")?.lowercased()
        guard mode == "wal" else {
            throw StoreError(.unavailable, message: "\(connection.path) cannot use WAL (journal_mode is "
                + "\(mode ?? "unknown")); put the ledger on a local file system")
        }
        try connection.exec("PRAGMA synchronous = \(options.synchronous.pragmaValue)")
        try connection.exec("PRAGMA foreign_keys = ON")
        // 8 MiB of page cache instead of SQLite's 2 MiB: the indexes' inner pages stay in memory, so
        // a commit reads far fewer pages back from the file (Benchmarks/README.md). The WAL may grow to the checkpointer's inline threshold; once it has been copied
        // it is cut back to 64 MiB rather than keeping its largest size on disk.
        try connection.exec("PRAGMA cache_size = -8192")
        try connection.exec("PRAGMA journal_size_limit = \(64 << 20)")
        let durability = try readDurability(connection)
        guard durability.synchronous == options.synchronous else {
            throw StoreError(.rejected, message: "PRAGMA synchronous reads back \(durability.synchronous.rawValue), "
                + "not the requested \(options.synchronous.rawValue)")
        }
        guard try connection.scalarInt("PRAGMA foreign_keys") == 1 else {
            throw StoreError(.rejected, message: "PRAGMA foreign_keys did not turn on")
        }
        return durability
    }

    private static func readDurability(_ connection: SQLiteConnection) throws -> SQLiteDurability {
        let mode = try connection.scalarText("PRAGMA journal_mode")?.lowercased() ?? "unknown"
        let raw = try connection.scalarInt("PRAGMA synchronous") ?? -1
        guard let synchronous = SQLiteLedgerOptions.Synchronous(pragmaValue: raw) else {
            throw StoreError(.rejected, message: "PRAGMA synchronous reads back an unknown value \(raw)")
        }
        let timeout = try connection.scalarInt("PRAGMA busy_timeout") ?? 0
        return SQLiteDurability(journalMode: mode, synchronous: synchronous, busyTimeoutMilliseconds: timeout)
    }
}

extension SQLiteLedgerStore: LedgerStatisticsSource {
    /// On the read connection, like every other query: a report never waits behind a commit.
    public func statistics(_ query: StatisticsQuery) async throws -> DeliveryStatistics {
        try await reader.run { try LedgerStatistics(connection: $0).run(query) }
    }
}

import CSQLite
import Foundation

/// A thin wrapper over one `sqlite3*` handle: open, exec, cached prepared statements, transactions.
///
/// Not thread-safe and deliberately not `Sendable`: the store confines each connection to one serial
/// ``ConnectionQueue``. The handle is opened with `SQLITE_OPEN_NOMUTEX` because that confinement
/// already serialises access, so SQLite's own mutexes would be pure overhead.
final class SQLiteConnection {
    enum Mode: Sendable {
        /// Open for reading and writing, creating the file when absent.
        case readWriteCreate
        /// Open an existing file for reading only. Never creates anything.
        case readOnly
    }

    let path: String
    let mode: Mode
    private var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]
    /// Keeps the WAL hook's closure alive while SQLite holds a pointer to it.
    private var walHook: WALHookBox?

    init(path: String, mode: Mode) throws {
        self.path = path
        self.mode = mode
        var flags = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError.sqlite(code: code, message: message, during: "open \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { close() }

    var isOpen: Bool { handle != nil }

    /// Finalises every cached statement, then closes the handle. Safe to call twice.
    func close() {
        statements.removeAll()
        if let handle {
            sqlite3_wal_hook(handle, nil, nil)
            sqlite3_close_v2(handle)
            self.handle = nil
        }
        walHook = nil
    }

    /// Calls `handler` after every commit with the number of frames now in the WAL, on the thread that
    /// committed. Replaces SQLite's automatic checkpoint (which is itself a WAL hook), so the caller
    /// takes over checkpointing; see ``WALCheckpointer``.
    func onWALCommit(_ handler: @escaping (_ frames: Int) -> Void) {
        guard let handle else { return }
        let box = WALHookBox(handler)
        walHook = box
        sqlite3_wal_hook(handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<WALHookBox>.fromOpaque(context).takeUnretainedValue().handler(Int(frames))
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// A PASSIVE checkpoint on this connection: copies what it can from the WAL into the database
    /// without waiting for readers or the writer. Returns the WAL's frames and how many are now copied.
    @discardableResult
    func checkpointPassive() throws -> (frames: Int, copied: Int) {
        let db = try open()
        var frames: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        guard code == SQLITE_OK || code == SQLITE_BUSY else { throw error(code: code, during: "checkpoint") }
        return (Int(frames), Int(copied))
    }

    /// Runs one or more SQL statements that return no rows we need (DDL, pragmas, BEGIN/COMMIT).
    func exec(_ sql: String) throws {
        let db = try open()
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(db))
            throw StoreError.sqlite(code: code, message: text, during: "exec")
        }
    }

    /// The first column of the first row of `sql` as text, e.g. `PRAGMA journal_mode`.
    func scalarText(_ sql: String) throws -> String? {
        try withStatement(sql) { statement in
            try statement.step() ? statement.optionalString(0) : nil
        }
    }

    /// The first column of the first row of `sql` as an integer, e.g. `PRAGMA user_version`.
    func scalarInt(_ sql: String) throws -> Int64? {
        try withStatement(sql) { statement in
            try statement.step() ? statement.optionalInt64(0) : nil
        }
    }

    /// Runs `body` with the cached statement for `sql` (prepared on first use) and resets it
    /// afterwards, whether `body` succeeded or threw.
    func withStatement<T>(_ sql: String, _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement = try prepared(sql)
        defer { statement.reset() }
        return try body(statement)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction. On any error everything `body` did is rolled
    /// back and the error is rethrown, so a batch is stored whole or not at all.
    ///
    /// IMMEDIATE takes the write lock up front: a busy database fails at BEGIN, before any work,
    /// rather than at the first write of a half-done batch.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        // A transaction left open by a ROLLBACK that itself failed would turn every later BEGIN into
        // a permanent-looking error; clear it first.
        rollbackIfActive()
        try exec("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try exec("COMMIT")
            return result
        } catch {
            rollbackIfActive()
            throw error
        }
    }

    /// Rolls back if a transaction is still open. SQLite rolls back by itself after some errors
    /// (`SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_NOMEM`), in which case there is nothing left to undo.
    private func rollbackIfActive() {
        guard let handle, sqlite3_get_autocommit(handle) == 0 else { return }
        sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    var changes: Int {
        handle.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// How many prepared statements SQLite holds for this connection; stays flat once every statement
    /// in use has been prepared (statements are reused, not prepared per row).
    var liveStatementCount: Int {
        guard let handle else { return 0 }
        var count = 0
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            count += 1
            statement = sqlite3_next_stmt(handle, current)
        }
        return count
    }

    /// An error for `code`, with the connection's current message.
    func error(code: Int32, during operation: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "connection closed"
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
        // The extended code carries more detail (SQLITE_IOERR_FSYNC, SQLITE_CONSTRAINT_UNIQUE) but
        // only when it belongs to the same primary code as the one the call returned.
        let best = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return StoreError.sqlite(code: best, message: message, during: operation)
    }

    private func open() throws -> OpaquePointer {
        guard let handle else { throw StoreError.closed }
        return handle
    }

    private func prepared(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        let db = try open()
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else {
            throw error(code: code == SQLITE_OK ? SQLITE_MISUSE : code, during: "prepare")
        }
        let statement = SQLiteStatement(handle: raw, sql: sql, connection: self)
        statements[sql] = statement
        return statement
    }
}

/// The WAL hook's context: SQLite gets an unretained pointer to it, the connection keeps it alive.
private final class WALHookBox {
    let handler: (Int) -> Void
    init(_ handler: @escaping (Int) -> Void) { self.handler = handler }
}

import CSQLite
import Foundation

/// SQLite copies bound text and blobs immediately when given this destructor. The C macro
/// `SQLITE_TRANSIENT` is `((sqlite3_destructor_type)-1)`, which Swift cannot import.
let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One prepared statement, owned and cached by its ``SQLiteConnection``.
///
/// Statements are prepared once per connection and reused for every row: preparing is the expensive
/// part of a small insert. Use them only through ``SQLiteConnection/withStatement(_:_:)``, which
/// resets and clears them afterwards so the next user starts clean. Parameter indexes start at 1.
final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.handle = handle
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Makes the statement ready for the next use; bindings are cleared so that a forgotten
    /// parameter is NULL (and trips a NOT NULL constraint) rather than a stale value.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Binding

    func bind(_ value: Int64?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ value: Int?, at index: Int32) throws {
        try bind(value.map { Int64($0) }, at: index)
    }

    func bind(_ value: Bool?, at index: Int32) throws {
        try bind(value.map { $0 ? Int64(1) : Int64(0) }, at: index)
    }

    func bind(_ value: String?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        try check(sqlite3_bind_text(handle, index, value, -1, transientDestructor))
    }

    func bind(_ value: Data?, at index: Int32) throws {
        guard let value else { return try bindNull(at: index) }
        let code = value.withUnsafeBytes { bytes -> Int32 in
            // An empty buffer may have no base address, and binding a nil pointer means NULL.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_zeroblob(handle, index, 0)
            }
            return sqlite3_bind_blob(handle, index, base, Int32(bytes.count), transientDestructor)
        }
        try check(code)
    }

    /// Binds bytes as a blob without copying them into a `Data` first.
    func bind(bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return try check(sqlite3_bind_zeroblob(handle, index, 0))
        }
        try check(sqlite3_bind_blob(handle, index, base, Int32(bytes.count), transientDestructor))
    }

    /// Binds a time as integer milliseconds since the epoch, the ledger's one time format.
    func bind(_ value: Date?, at index: Int32) throws {
        try bind(value.map(Millis.from), at: index)
    }

    func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    // MARK: Stepping

    /// Advances to the next row. Returns `false` when the statement is done.
    @discardableResult
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code: code, during: "step")
        }
    }

    /// Steps to completion, for statements that return no rows.
    func run() throws {
        while try step() {}
    }

    // MARK: Columns (indexes start at 0)

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func optionalInt(_ column: Int32) -> Int? {
        optionalInt64(column).map { Int(truncatingIfNeeded: $0) }
    }

    func bool(_ column: Int32) -> Bool {
        int64(column) != 0
    }

    func optionalBool(_ column: Int32) -> Bool? {
        isNull(column) ? nil : bool(column)
    }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? {
        isNull(column) ? nil : string(column)
    }

    func data(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    func date(_ column: Int32) -> Date {
        Millis.date(int64(column))
    }

    func optionalDate(_ column: Int32) -> Date? {
        optionalInt64(column).map(Millis.date)
    }

    private func check(_ code: Int32) throws {
        guard code == SQLITE_OK else { throw connection.error(code: code, during: "bind") }
    }
}

/// Times are stored as integer milliseconds since 1970-01-01 UTC: compact, sortable, indexable, and
/// the same in every client (the CLI, `sqlite3`, the PostgreSQL store).
package enum Millis {
    package static func from(_ date: Date) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        // Dates come from parsed provider input; an absurd one must not trap the conversion.
        guard millis.isFinite else { return 0 }
        if millis >= 9.2e18 { return Int64.max }
        if millis <= -9.2e18 { return Int64.min }
        return Int64(millis)
    }

    package static func date(_ millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}

import CSQLite

/// Why the ledger could not do what was asked, classified by what the caller should do next.
///
/// The queue pollers must not delete an MNS message whose commit failed, and they need to know whether
/// to try again in a moment, back off for a while, or stop and call an operator. SQLite's result
/// codes answer that question only indirectly, so every failure is mapped to a ``Kind`` here, once.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Another connection holds a lock (`SQLITE_BUSY`, `SQLITE_LOCKED`). Retrying soon should work.
        case busy
        /// The store cannot take writes right now: disk full, I/O error, read-only file or store,
        /// cannot open, or the store was closed. Retry later, after backing off; an operator may have
        /// to free space or fix permissions.
        case unavailable
        /// This particular request can never succeed (constraint violated, type mismatch, misuse).
        /// Retrying the same request is pointless.
        case rejected
        /// The file is not a ledger this build can use: another application's database, a schema
        /// newer than this build knows, an older schema opened read-only, or a row it cannot decode.
        case incompatible
        /// SQLite reports the file as damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
        case corrupt
    }

    public var kind: Kind
    /// The SQLite extended result code, or `SQLITE_ERROR` for errors raised by the store itself.
    public var code: Int32
    public var message: String

    public init(_ kind: Kind, code: Int32 = SQLITE_ERROR, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    /// Whether trying the same operation again (after a pause for ``Kind/unavailable``) can succeed.
    public var isRetryable: Bool { kind == .busy || kind == .unavailable }

    /// The SQLite result code when there is one; the PostgreSQL store puts the SQLSTATE in the message
    /// and leaves the code 0.
    public var description: String {
        code == 0 ? "ledger store \(kind.rawValue): \(message)"
            : "ledger store \(kind.rawValue) (sqlite code \(code)): \(message)"
    }

    /// Maps a SQLite result code (primary or extended) to what the caller should do about it.
    public static func classify(code: Int32) -> Kind {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .busy
        case SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_NOMEM, SQLITE_PROTOCOL,
             SQLITE_PERM, SQLITE_INTERRUPT, SQLITE_NOLFS:
            return .unavailable
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return .corrupt
        default:
            // SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_MISUSE, SQLITE_TOOBIG, SQLITE_RANGE,
            // SQLITE_SCHEMA, SQLITE_ERROR (bad SQL, missing table): the request itself is wrong.
            return .rejected
        }
    }

    /// An error built from a SQLite result code and the connection's message.
    static func sqlite(code: Int32, message: String, during operation: String) -> StoreError {
        StoreError(classify(code: code), code: code, message: "\(operation): \(message)")
    }

    static let closed = StoreError(.unavailable, code: SQLITE_MISUSE, message: "the ledger store is closed")
}

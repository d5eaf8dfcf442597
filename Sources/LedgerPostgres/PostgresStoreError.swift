import LedgerStore
import PostgresNIO

/// PostgreSQL's failures as the ledger's ``StoreError``, so the pollers decide about retrying the same
/// way whatever the backend: a retryable kind keeps the queue messages (they come back and are
/// committed later), a rejected one is a bug or a schema problem to report.
enum PostgresStoreError {
    /// SQLSTATEs after which running the same transaction again can succeed: serialization failure
    /// and deadlock (another daemon won), and the server shutting down or refusing connections for
    /// now (a restart or failover in progress).
    static let retryableStates: Set<String> = ["40001", "40P01", "57P01", "57P02", "57P03", "55P03"]

    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether the store should run the same transaction again at once: another daemon won a race.
    static func isTransient(_ error: any Error) -> Bool {
        if error is PostgresBatchWriter.LostSendRace { return true }
        guard let state = sqlState(of: error) else { return false }
        return state == "40001" || state == "40P01"
    }

    static func wrap(_ error: any Error, during operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let expired = error as? Deadline.Expired {
            return StoreError(.unavailable, code: 0, message: "\(operation): \(expired)")
        }
        guard let psql = error as? PSQLError else {
            // The pool's own failures (no connection within the timeout, shut down) and cancellation.
            return StoreError(.unavailable, code: 0, message: "\(operation): \(String(reflecting: error))")
        }
        guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else {
            // The connection failed, closed, or could not be made: the server or the network is away.
            return StoreError(.unavailable, code: 0, message: "\(operation): PostgreSQL \(psql.code)"
                + (psql.underlying.map { ": \($0)" } ?? ""))
        }
        let message = "\(operation): PostgreSQL \(state): \(psql.serverInfo?[.message] ?? "no message")"
        let stateClass = state.prefix(2)
        if retryableStates.contains(state) || stateClass == "08" || stateClass == "53" {
            return StoreError(state.hasPrefix("40") ? .busy : .unavailable, code: 0, message: message)
        }
        if stateClass == "XX" { return StoreError(.corrupt, code: 0, message: message) }
        // Constraint violations, bad SQL, a missing table, privileges: the request itself is wrong.
        return StoreError(.rejected, code: 0, message: message)
    }
}

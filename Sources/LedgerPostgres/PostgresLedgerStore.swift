import Foundation
import LedgerStore
import Logging
import PostgresNIO
import SMSLedgerCore
import Synchronization

/// The ledger on PostgreSQL: the backend for several daemons on several hosts sharing one ledger.
///
/// It keeps every promise of ``LedgerStore`` that the SQLite store keeps (the conformance suite runs
/// against both), and adds what sharing needs: the unique keys and `ON CONFLICT` make concurrent
/// commits of the same news store it once (``PostgresBatchWriter``), and ``claimDueSends(now:limit:leaseUntil:)``
/// leases due sends with `FOR UPDATE SKIP LOCKED`, so no send is queried by two daemons at once.
///
/// A connection lost in the middle of a commit surfaces as a retryable ``StoreError``: the pollers
/// keep the queue messages, and the batch is committed again (idempotently) once the server is back.
public final class PostgresLedgerStore: LedgerStore {
    public let options: PostgresLedgerOptions
    let client: PostgresClient
    let logger: Logger
    private let observer: (any CommitObserver)?
    private let running: Task<Void, Never>
    private let state = Mutex(State())

    private struct State {
        var closed = false
        var inFlight = 0
    }

    /// Connects, migrates the schema (one daemon at a time, under an advisory lock) and returns the
    /// store. Throws a ``StoreError`` when the server cannot be reached or the schema is newer.
    public init(options: PostgresLedgerOptions, logger: Logger = Logger(label: "smsledger.ledger.postgresql"),
                observer: (any CommitObserver)? = nil) async throws {
        var configuration = PostgresClient.Configuration(
            host: options.host, port: options.port, username: options.username, password: options.password,
            database: options.database, tls: Self.tls(options.tls))
        configuration.options.maximumConnections = options.poolSize
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = Self.sessionSettings
        // The pool's own messages: each failed connection attempt at info and a warning when a lease
        // races the pool's start are noise in the journal; the operations that fail report the cause.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.options = options
        self.client = client
        self.logger = logger
        self.observer = observer
        // The schema is migrated on a connection of its own before the pool starts: an unreachable
        // server or a wrong password is one clear error within the connect timeout, where the pool
        // would keep retrying in the background and leave the caller waiting.
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try Self.connectionConfiguration(options), id: 0, logger: logger)
            do {
                try await PostgresSchema.migrate(connection, logger: logger)
            } catch {
                try? await connection.close()
                throw error
            }
            try? await connection.close()
        } catch {
            throw PostgresStoreError.wrap(error, during: "opening \(options.redactedURL)")
        }
        self.running = Task { await client.run() }
    }

    /// Settings of every session the store opens, sent at connection time.
    /// - `idle_in_transaction_session_timeout`: a daemon that stops talking in the middle of a
    ///   transaction (its operation expired, the process froze) does not keep the rows it locked from
    ///   the other daemons for longer than this.
    /// - `plan_cache_mode`: the writer's statements are prepared once per connection, and after five
    ///   runs PostgreSQL would switch to a generic plan, which guesses 100 rows for a
    ///   `jsonb_to_recordset` and joins accordingly; planned for each batch's own parameters, the
    ///   send lock and the inserts stay index lookups.
    static let sessionSettings: [(String, String)] = [
        ("idle_in_transaction_session_timeout", "60s"),
        ("plan_cache_mode", "force_custom_plan"),
    ]

    private static func connectionConfiguration(_ options: PostgresLedgerOptions) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch options.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: options.host, port: options.port, username: options.username, password: options.password,
            database: options.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = sessionSettings
        return configuration
    }

    private static func tls(_ mode: PostgresLedgerOptions.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(.makeClientConfiguration())
        case .require: return .require(.makeClientConfiguration())
        }
    }

    // MARK: LedgerStore

    public func commit(_ batch: LedgerBatch) async throws -> CommitSummary {
        guard !batch.isEmpty else { return CommitSummary() }
        let started = ContinuousClock.now
        do {
            let events = options.webhookEvents
            let summary = try await transaction("commit") { connection, logger in
                try await PostgresBatchWriter(connection: connection, logger: logger, emitsEvents: events).write(batch)
            }
            observer?.committed(batches: 1, duration: ContinuousClock.now - started)
            return summary
        } catch {
            observer?.commitFailed(batches: 1)
            throw error
        }
    }

    public func receipts(_ query: LedgerQuery) async throws -> [StoredReceipt] {
        try await rows(PostgresQueries.receipts(query), "reading receipts", PostgresRows.receipt)
    }

    public func replies(_ query: LedgerQuery) async throws -> [StoredReply] {
        try await rows(PostgresQueries.replies(query), "reading replies", PostgresRows.reply)
    }

    public func sends(_ query: LedgerQuery) async throws -> [TrackedSend] {
        try await rows(PostgresQueries.sends(query), "reading sends", PostgresRows.send)
    }

    public func quarantine(_ query: LedgerQuery) async throws -> [StoredQuarantine] {
        try await rows(PostgresQueries.quarantine(query), "reading quarantine", PostgresRows.quarantined)
    }

    public func dueSends(now: Date, limit: Int) async throws -> [TrackedSend] {
        try await rows(PostgresQueries.dueSends(now: now, limit: limit), "reading due sends", PostgresRows.send)
    }

    public func claimDueSends(now: Date, limit: Int, leaseUntil: Date) async throws -> [TrackedSend] {
        let claimed = try await rows(PostgresQueries.claimDueSends(now: now, limit: limit, leaseUntil: leaseUntil),
                                     "claiming due sends", PostgresRows.send)
        // UPDATE … RETURNING does not keep the subquery's order.
        return claimed.sorted { ($0.nextCheckAt ?? .distantPast, $0.id) < ($1.nextCheckAt ?? .distantPast, $1.id) }
    }

    public func markChecked(_ checks: [SendCheck]) async throws {
        guard !checks.isEmpty else { return }
        let json = try Recordset.encode(checks.map(PostgresQueries.CheckRow.init))
        let events = options.webhookEvents
        _ = try await transaction("recording checks") { connection, logger in
            let outbox = PostgresOutboxWriter(connection: connection, logger: logger)
            let closing = events ? try await outbox.openSendsClosing(checks) : [:]
            var binds = PostgresBindings(capacity: 1)
            binds.append(json)
            try await connection.query(PostgresQuery(unsafeSQL: PostgresQueries.recordChecks, binds: binds),
                                       logger: logger)
            try await outbox.append(PostgresOutboxWriter.closedEvents(checks, open: closing))
        }
    }

    public func counts() async throws -> LedgerCounts {
        let all = try await rows(PostgresQueries.counts, "counting rows") { row in
            let (receipts, replies, sends, open, quarantine) = try row.decode((Int64, Int64, Int64, Int64, Int64).self)
            return LedgerCounts(receipts: Int(receipts), replies: Int(replies), sends: Int(sends),
                                openSends: Int(open), quarantine: Int(quarantine))
        }
        return all.first ?? LedgerCounts()
    }

    /// Waits for the operations already started (each ends by its deadline at the latest), then
    /// closes every connection; a pool that does not finish closing within a few seconds (a
    /// connection to a server that stopped answering) is left behind rather than waited for.
    public func close() async {
        state.withLock { $0.closed = true }
        while state.withLock({ $0.inFlight }) > 0 {
            try? await Task.sleep(for: .milliseconds(5))
        }
        running.cancel()
        let running = self.running
        _ = try? await Deadline.run(.seconds(5)) { await running.value }
    }

    // MARK: Running statements

    /// Runs `body` in one transaction on one connection, again (up to eight times) when it lost a race
    /// with another daemon (a deadlock, a serialization failure, a send created under it).
    func transaction<T: Sendable>(_ operation: String, timeout: Duration? = nil,
                                  _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await tracked(operation, timeout: timeout) { [client, logger] in
            var attempt = 1
            while true {
                do {
                    return try await client.withConnection { connection in
                        try await Self.inTransaction(connection, logger: logger) { try await body($0, logger) }
                    }
                } catch where attempt < 8 && PostgresStoreError.isTransient(error) {
                    logger.debug("\(operation): retrying after losing a race with another writer (\(error))")
                    attempt += 1
                }
            }
        }
    }

    /// BEGIN, body, COMMIT; ROLLBACK on any error. PostgresNIO's own helper wraps errors in a type of
    /// its own, which would hide the SQLSTATE from ``PostgresStoreError``.
    private static func inTransaction<T: Sendable>(_ connection: PostgresConnection, logger: Logger,
                                                   _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let result = try await body(connection)
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    func rows<Row: Sendable>(_ query: PostgresQuery, _ operation: String, timeout: Duration? = nil,
                             _ decode: @escaping @Sendable (PostgresRow) throws -> Row) async throws -> [Row] {
        try await tracked(operation, timeout: timeout) { [client, logger] in
            try await client.withConnection { connection in
                var result: [Row] = []
                for try await row in try await connection.query(query, logger: logger) {
                    result.append(try decode(row))
                }
                return result
            }
        }
    }

    /// Refuses work once closed, counts the operation while it runs (``close()`` waits for it), gives
    /// up on it at the deadline (``Deadline``; the options' `operationTimeout` unless the caller says
    /// otherwise) and turns every failure into a ``StoreError``.
    private func tracked<T: Sendable>(_ operation: String, timeout: Duration?,
                                      _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let admitted = state.withLock { state in
            guard !state.closed else { return false }
            state.inFlight += 1
            return true
        }
        guard admitted else {
            throw StoreError(.unavailable, code: 0, message: "\(operation): the ledger store is closed")
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        do {
            return try await Deadline.run(timeout ?? options.operationTimeout, body)
        } catch {
            throw PostgresStoreError.wrap(error, during: operation)
        }
    }
}

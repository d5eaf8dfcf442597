/// Where the shared ledger lives and how to reach it, as the store needs it. The config's
/// `PostgresSettings` (SMSLedgerConfig) reads it from `[store]`; the daemon hands it over.
public struct PostgresLedgerOptions: Sendable, Hashable {
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP. For loopback or a private network only.
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection; the server's certificate is verified against the system's CAs.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections the store may hold open at once. A commit is one transaction on one connection;
    /// readers, the compensator and the pruner take others.
    public var poolSize: Int
    /// How long one operation (a commit with its retries, a read) may wait for the server before it
    /// fails as unavailable, which the pollers retry. A statement in flight when the server restarts
    /// can otherwise stay unanswered for ever (``Deadline``).
    public var operationTimeout: Duration = .seconds(30)
    /// Write webhook events in the transaction of their cause (while endpoints are configured).
    public var webhookEvents = false

    public init(host: String = "127.0.0.1", port: Int = 5432, username: String = "smsledger",
                password: String? = nil, database: String = "smsledger", tls: TLSMode = .prefer,
                poolSize: Int = 8) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = max(1, poolSize)
    }

    /// Where the store connects, without the password: for logs and errors.
    public var redactedURL: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgresql://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}

import Foundation

/// Where the shared ledger lives and how to reach it: `[store] backend = "postgresql"` in the config.
///
/// The connection is given as a URL (`postgresql://user@host:port/database?sslmode=require`) so that
/// an operator can paste what `psql` and every other PostgreSQL tool accept; the password comes
/// separately, from the config's secret sources, so the URL itself can sit in a world-readable file.
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
    /// Connections the daemon may hold open at once. Commits are one transaction per batch on one
    /// connection; readers, the compensator and the webhook worker take others.
    public var poolSize: Int

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

    /// Reads `postgresql://[user[:password]@]host[:port][/database][?sslmode=disable|prefer|require]`
    /// (`postgres://` too). A password in the URL is accepted for tests and one-off CLI use; the
    /// config refuses it so that secrets stay in the secret sources. Throws a message naming the part
    /// that is wrong.
    public init(url text: String, poolSize: Int = 8) throws(PostgresURLError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased() else {
            throw PostgresURLError("'\(text)' is not a URL; expected postgresql://user@host:port/database")
        }
        guard scheme == "postgresql" || scheme == "postgres" else {
            throw PostgresURLError("the URL's scheme is '\(scheme)'; expected postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("the URL names no host; expected postgresql://user@host:port/database")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.contains("/") else {
            throw PostgresURLError("the URL's path '\(components.path)' is not one database name")
        }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresURLError("the URL parameter '\(item.name)' is not supported (only sslmode)")
            }
            guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                throw PostgresURLError("sslmode '\(item.value ?? "")' is not one of "
                    + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            tls = mode
        }
        self.init(host: host, port: components.port ?? 5432, username: components.user ?? "smsledger",
                  password: components.password, database: database.isEmpty ? "smsledger" : database,
                  tls: tls, poolSize: poolSize)
    }

    /// The URL without its password, for logs and `STATUS=`.
    public var redactedURL: String {
        "postgresql://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}

/// A connection URL that cannot be used, with what is wrong with it.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

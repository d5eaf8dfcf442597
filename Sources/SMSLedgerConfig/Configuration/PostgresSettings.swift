import Foundation

/// Which database holds the ledger: `[store] backend`.
public enum StoreBackend: String, Sendable, CaseIterable {
    /// One file on this host, embedded: the default, nothing else to run.
    case sqlite
    /// A PostgreSQL server that several daemons on several hosts share.
    case postgresql
}

/// TLS to the PostgreSQL server: `sslmode` in `[store] url`, with libpq's names for the modes it has.
public enum PostgresTLSMode: String, Sendable, CaseIterable {
    /// Plain TCP. For loopback or a private network only.
    case disable
    /// TLS when the server offers it, plain otherwise (libpq's default).
    case prefer
    /// TLS or no connection; the server's certificate is verified against the system's CAs.
    case require
}

/// The PostgreSQL server of `[store] backend = "postgresql"`: `url`, `password*`, `pool_size`.
///
/// The connection is a URL (`postgresql://user@host:port/database?sslmode=require`), what `psql` and
/// every PostgreSQL tool accept; the password comes from the secret sources, so the URL itself can sit
/// in a world-readable file.
public struct PostgresSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 5432
    public var username = "smsledger"
    public var database = "smsledger"
    public var tls = PostgresTLSMode.prefer
    public var password: Secret?
    /// Connections one daemon may hold open at once.
    public var poolSize = 8

    public init() {}

    /// Reads `postgresql://[user[:password]@]host[:port][/database][?sslmode=disable|prefer|require]`
    /// (`postgres://` too). Returns the settings and the password the URL carried, if any (the config
    /// refuses one; tests and one-off tools may use it). Throws a message naming the part that is wrong.
    public static func parse(url text: String) throws(PostgresURLError) -> (PostgresSettings, password: String?) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
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
        var settings = PostgresSettings()
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw PostgresURLError("the URL parameter '\(item.name)' is not supported (only sslmode)")
            }
            guard let mode = item.value.flatMap(PostgresTLSMode.init(rawValue:)) else {
                throw PostgresURLError("sslmode '\(item.value ?? "")' is not one of "
                    + PostgresTLSMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            settings.tls = mode
        }
        settings.host = host
        settings.port = components.port ?? 5432
        if let user = components.user, !user.isEmpty { settings.username = user }
        if !database.isEmpty { settings.database = database }
        return (settings, components.password)
    }

    /// The URL without a password, for logs, `STATUS=` and the effective config.
    public var url: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgresql://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}

/// A connection URL that cannot be used, with what is wrong with it.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

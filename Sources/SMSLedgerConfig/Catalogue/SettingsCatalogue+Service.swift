import Foundation

// The settings of [polling], [store], [compensation], [http] and [logging], each declared once: key, kind and
// range, how it is read and shown, and the help the example file prints (see `Setting`).
extension SettingsCatalogue {
    static let polling: [Setting] = [
        .seconds("polling", "wait_seconds", 1...30, \.polling.wait, help: [
            "Seconds one receive call waits for messages (1...30); 30 is the MNS maximum and the cheapest.",
        ]),
        .integer("polling", "batch_size", 1...16, \.polling.batchSize, help: [
            "Messages fetched per call (1...16); 16 is the MNS maximum.",
        ]),
        .integer("polling", "pollers_per_queue", 1...64, \.polling.pollersPerQueue, help: [
            "Concurrent pollers per queue (1...64); raise it only if the queue backs up. Each one keeps a",
            "receive in flight, and more batches waiting share each ledger commit: draining a backlog on two",
            "cores, 32 per queue was 4-17 % faster than 16 and cost about 5 MiB more memory.",
        ]),
        .seconds("polling", "max_backoff_seconds", 1...3600, \.polling.maxBackoff, help: [
            "Longest wait, in seconds, between retries after network or throttling errors (1...3600).",
        ]),
        .seconds("polling", "config_error_retry_seconds", 5...86400, \.polling.configErrorRetry, help: [
            "Seconds to wait before retrying after a configuration error such as a wrong queue name (5...86400).",
        ]),
        .integer("polling", "high_dequeue_count", 2...1000, \.polling.highDequeueCount, help: [
            "Log loudly when a message has been received this many times without being settled (2...1000).",
        ]),
    ]

    static let store: [Setting] = storeBackend + storePassword + storeFiles

    private static let storeBackend: [Setting] = [
        .choice("store", "backend", \.store.backend, help: [
            "Where the ledger lives: \"sqlite\" (one file on this host, the default) or \"postgresql\" (a server",
            "that daemons on several hosts share; README, \"Several hosts\").",
        ]),
        .custom("store", "url", .string, example: "\"postgresql://smsledger@127.0.0.1:5432/smsledger?sslmode=prefer\"", help: [
            "For backend = \"postgresql\": the server as a URL, without the password (sslmode disable|prefer|require).",
        ]) { config in
            config.store.backend == .postgresql ? .text(config.store.postgres.url) : .notSet
        },
        .integer("store", "pool_size", 1...100, \.store.postgres.poolSize, help: [
            "For backend = \"postgresql\": connections one daemon may hold open (1...100).",
        ]),
    ]

    private static let storePassword: [Setting] = Setting.secret("store", "password", \.store.postgres.password,
                                                                 credential: "store-password", help: [
        ["The PostgreSQL password, inline (warned about)."],
        ["A file holding only the PostgreSQL password; refused unless chmod 600."],
        ["The name of an environment variable holding the PostgreSQL password."],
        ["The systemd credential (LoadCredential=) holding the PostgreSQL password."],
    ])

    private static let storeFiles: [Setting] = [
        .custom("store", "path", .string, help: [
            "The SQLite ledger file; its directory must be writable by the service user (StateDirectory=smsledger).",
        ]) { .text($0.store.path) },
        .choice("store", "synchronous", \.store.synchronous, help: [
            "SQLite durability: off|normal|full|extra; \"full\" survives power loss, which is the point of a ledger.",
        ]),
        .milliseconds("store", "busy_timeout_ms", 0...600_000, \.store.busyTimeout, help: [
            "Milliseconds to wait for a lock held by another process, e.g. a backup (0...600000).",
        ]),
        .integer("store", "retention_days", 0...36500, \.store.retentionDays, help: [
            "Days to keep settled sends with their receipts, replies and quarantined bodies (0...36500); older",
            "ones are pruned in the background, in small batches. Sends still open are kept at least 30 days,",
            "while QuerySendDetails can settle them. 0 keeps everything for ever. Preview: smsledger prune --dry-run",
        ]),
        .seconds("store", "prune_interval_seconds", 1...86400, \.store.pruneInterval, help: [
            "Seconds between two passes of the pruner (1...86400); each pass runs until nothing is left to prune.",
        ]),
    ]

    static let compensation: [Setting] = [
        .flag("compensation", "enabled", \.compensation.enabled, help: [
            "Ask QuerySendDetails about sends whose receipt never arrived; turn off only if you never record sends.",
        ]),
        .seconds("compensation", "interval_seconds", 1...86400, \.compensation.interval, help: [
            "Seconds between looks for sends that are due a check (1...86400).",
        ]),
        .seconds("compensation", "first_check_after_seconds", 0...86400, \.compensation.firstCheckAfter, help: [
            "Seconds after a send is recorded before it is first checked (0...86400); receipts usually come sooner.",
        ]),
        .secondsList("compensation", "backoff_seconds", 1...2_592_000, \.compensation.backoff, help: [
            "Seconds between later checks, in order; the last value repeats (each 1...2592000, at least one).",
        ]),
        .number("compensation", "max_qps", 0.1...5000, \.compensation.maxQPS, help: [
            "Most QuerySendDetails calls per second (0.1...5000); keep it under your account's API rate limit.",
        ]),
        .integer("compensation", "concurrency", 1...64, \.compensation.concurrency, help: [
            "QuerySendDetails calls in flight at once (1...64).",
        ]),
        .integer("compensation", "window_days", 1...30, \.compensation.windowDays, help: [
            "Days after sending that a send is still checked (1...30); QuerySendDetails only covers the last 30 days.",
        ]),
    ]

    static let http: [Setting] = httpHead + httpSecret + httpTail

    private static let httpHead: [Setting] = [
        .flag("http", "enabled", \.http.enabled, help: [
            "The status-callback listener (TeleSign-style callbacks); turn off if nothing posts to it.",
        ]),
        .custom("http", "listen", .string, help: [
            "Address and port to listen on; IPv6 as \"[::1]:8787\". Anything but loopback requires a bearer token.",
        ]) { .text($0.http.listen.description) },
    ]

    private static let httpSecret: [Setting] = Setting.secret("http", "bearer_token", \.http.bearerToken, help: [
        ["The token callers must send as \"Authorization: Bearer <token>\", inline (warned about)."],
        ["A file holding only the bearer token; refused unless chmod 600."],
        ["The name of an environment variable holding the bearer token."],
    ])

    private static let httpTail: [Setting] = [
        .integer("http", "max_body_bytes", 1024...1_048_576, \.http.maxBodyBytes, help: [
            "Largest request body accepted, in bytes (1024...1048576).",
        ]),
        .custom("http", "telesign_callback_path", .string, help: [
            "The path TeleSign posts status callbacks to; must start with \"/\".",
        ]) { .text($0.http.telesignCallbackPath) },
        .seconds("http", "idle_timeout_seconds", 1...3600, \.http.idleTimeout, help: [
            "Close a connection with no request in progress (a fresh one that sends nothing, or keep-alive",
            "between requests) after this many seconds (1...3600).",
        ]),
        .seconds("http", "request_timeout_seconds", 1...600, \.http.requestTimeout, help: [
            "A request must arrive whole (headers and body) this many seconds after its first byte, else it is",
            "answered 408 and closed (1...600). A request being handled (waiting on its commit) is never cut.",
        ]),
        .integer("http", "max_connections", 1...65536, \.http.maxConnections, help: [
            "Connections open at once; more are closed as soon as they are accepted, counted in STATUS= and",
            "logged at most once a minute (1...65536). Keep it well under the unit's LimitNOFILE (4096).",
        ]),
        .integer("http", "max_header_bytes", 1024...1_048_576, \.http.maxHeaderBytes, help: [
            "Largest request head, the target plus every header name and value, in bytes; larger is answered",
            "431 (1024...1048576).",
        ]),
        .integer("http", "max_header_count", 8...1000, \.http.maxHeaderCount, help: [
            "Most header fields in one request; more is answered 431 (8...1000).",
        ]),
    ]

    static let logging: [Setting] = [
        .choice("logging", "level", \.logging.level, help: [
            "trace|debug|info|notice|warning|error|critical; use debug briefly when chasing a problem.",
        ]),
        .custom("logging", "format", .choice(LogFormat.allCases.map(\.rawValue)), example: "\"auto\"", help: [
            "auto|journal|text; auto writes structured journal fields under systemd and plain text elsewhere.",
        ]) { config in
            .resolved(config.logging.format.rawValue,
                      config.logging.format == .auto ? config.logging.resolvedFormat.rawValue : nil)
        },
        .flag("logging", "mask_phone_numbers", \.logging.maskPhoneNumbers, help: [
            "Mask phone numbers in log lines; set to false only where full numbers may be logged.",
        ]),
    ]
}

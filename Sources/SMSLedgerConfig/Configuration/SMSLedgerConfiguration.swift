import Foundation

/// Everything the operator can set, typed and validated. `SMSLedgerConfiguration()` is the set of
/// defaults, which is also what an empty config file produces.
///
/// It is `Equatable` so a reload (SIGHUP) can tell which sections changed and restart only those.
public struct SMSLedgerConfiguration: Sendable, Equatable {
    public var alibaba = AlibabaSettings()
    public var queues = QueueSettings()
    public var polling = PollingSettings()
    public var store = StoreSettings()
    public var compensation = CompensationSettings()
    public var http = HTTPSettings()
    public var alibabaPush = AlibabaPushSettings()
    public var telesign = TeleSignSettings()
    public var logging = LoggingSettings()
    public var metrics = MetricsSettings()
    public var webhooks = WebhookSettings()

    public init() {}
}

/// `[alibaba]`: the account and the three service endpoints.
public struct AlibabaSettings: Sendable, Equatable {
    /// `nil` when not set; the daemon then cannot talk to Alibaba (the HTTP listener can still run).
    public var accessKeyID: String?
    /// `nil` when no source provided one; see ``Secret/source`` for where it came from.
    public var accessKeySecret: Secret?
    public var regionID = "cn-hangzhou"
    public var dybaseapiEndpoint = AlibabaSettings.url("https://dybaseapi.aliyuncs.com")
    public var dysmsapiEndpoint = AlibabaSettings.url("https://dysmsapi.aliyuncs.com")
    /// The MNS account endpoint that serves the Alicom receipt queues (the same for every customer).
    public var mnsEndpoint = AlibabaSettings.url("https://1943695596114318.mns.cn-hangzhou.aliyuncs.com")
    public var requestTimeout: Duration = .seconds(10)
    /// Fetch a new MNS queue token this long before the current one expires.
    public var tokenRefreshMargin: Duration = .seconds(120)

    public init() {}

    /// Defaults are literals known to parse; the fallback only keeps the initialiser total.
    static func url(_ text: String) -> URL {
        URL(string: text) ?? URL(fileURLWithPath: "/")
    }
}

/// `[queues]`: the two Alicom MNS queues.
public struct QueueSettings: Sendable, Equatable {
    /// The Aliyun account UID the queue names are derived from.
    public var accountUID: String?
    public var smsReport = QueueSubscription(name: nil, enabled: true)
    public var smsUp = QueueSubscription(name: nil, enabled: true)

    public init() {}

    /// `Alicom-Queue-<uid>-SmsReport` / `-SmsUp`, the names the SMS console creates.
    public static func derivedName(accountUID: String, messageType: String) -> String {
        "Alicom-Queue-\(accountUID)-\(messageType)"
    }
}

/// One queue: its effective name (explicit, else derived from the UID, else `nil`) and whether to poll it.
public struct QueueSubscription: Sendable, Equatable {
    public var name: String?
    public var enabled: Bool

    public init(name: String?, enabled: Bool) {
        self.name = name
        self.enabled = enabled
    }
}

/// `[polling]`: how the queue pollers behave.
public struct PollingSettings: Sendable, Equatable {
    /// Long-poll wait of one ReceiveMessage (MNS allows at most 30 s).
    public var wait: Duration = .seconds(30)
    /// Messages per BatchReceiveMessage (MNS allows at most 16).
    public var batchSize = 16
    public var pollersPerQueue = 2
    /// Ceiling of the jittered backoff after network or throttling errors.
    public var maxBackoff: Duration = .seconds(60)
    /// How long a poller waits before retrying after a configuration error (wrong queue, no permission).
    public var configErrorRetry: Duration = .seconds(300)
    /// A message seen this many times is logged loudly: something keeps failing on it.
    public var highDequeueCount = 5

    public init() {}
}

/// The SQLite `PRAGMA synchronous` levels.
public enum StoreSynchronous: String, Sendable, CaseIterable {
    case off, normal, full, extra
}

/// `[store]`: the ledger, in SQLite (one host) or PostgreSQL (several hosts sharing it).
public struct StoreSettings: Sendable, Equatable {
    public var backend = StoreBackend.sqlite
    /// The server, for `backend = "postgresql"`.
    public var postgres = PostgresSettings()
    /// The SQLite file. As written; a relative path is relative to the working directory.
    public var path = "/var/lib/smsledger/ledger.sqlite"
    public var synchronous = StoreSynchronous.full
    public var busyTimeout: Duration = .milliseconds(5000)
    /// Days a settled send, its receipts, a reply or a quarantined body is kept; 0 keeps everything.
    public var retentionDays = 180
    /// How often the pruner looks for rows past the retention.
    public var pruneInterval: Duration = .seconds(3600)

    public init() {}
}

/// `[compensation]`: asking QuerySendDetails about sends whose receipt never came.
public struct CompensationSettings: Sendable, Equatable {
    public var enabled = true
    /// How often the compensator looks for sends that are due.
    public var interval: Duration = .seconds(60)
    /// A send is first asked about this long after it was recorded.
    public var firstCheckAfter: Duration = .seconds(900)
    /// Waits between later checks; the last one repeats until the window closes.
    public var backoff: [Duration] = [.seconds(3600), .seconds(14400), .seconds(43200), .seconds(86400)]
    /// Ceiling on QuerySendDetails calls per second (the API is rate limited per account).
    public var maxQPS = 20.0
    public var concurrency = 4
    /// QuerySendDetails only answers for the last 30 days.
    public var windowDays = 30

    public init() {}
}

/// `[http]`: the status-callback listener.
public struct HTTPSettings: Sendable, Equatable {
    public var enabled = true
    public var listen = ListenAddress.defaultCallbackListener
    /// Required (the loader enforces it) when ``listen`` is not a loopback address.
    public var bearerToken: Secret?
    public var maxBodyBytes = 65536
    public var telesignCallbackPath = "/callbacks/telesign"
    /// A connection with no request in progress is closed after this long, so idle clients cannot
    /// hold the descriptors the pollers and SQLite need.
    public var idleTimeout: Duration = .seconds(30)
    /// A request must arrive whole this long after its first byte (the handler's time not counted).
    public var requestTimeout: Duration = .seconds(10)
    /// Connections beyond this are closed as soon as they are accepted; keep it well under the
    /// unit's `LimitNOFILE`.
    public var maxConnections = 512
    /// The largest request head (target plus header names and values); larger ones are answered 431.
    public var maxHeaderBytes = 16384
    /// The most header fields a request may have; more are answered 431.
    public var maxHeaderCount = 100

    public init() {}
}

/// `[telesign]`: verifying TeleSign-style callbacks.
public struct TeleSignSettings: Sendable, Equatable {
    /// Base64 text of the HMAC key, as TeleSign shows it.
    public var apiKey: Secret?

    public init() {}
}

/// The swift-log levels, by name, so this module does not depend on swift-log.
public enum LogLevel: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}

/// Where log lines go: the systemd journal (structured fields) or plain text on stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    case auto, journal, text
}

/// `[logging]`.
public struct LoggingSettings: Sendable, Equatable {
    public var level = LogLevel.info
    /// As configured, possibly `.auto`.
    public var format = LogFormat.auto
    /// What `.auto` became: `.journal` when `$JOURNAL_STREAM` was set at load time, else `.text`.
    /// Never `.auto`.
    public var resolvedFormat = LogFormat.text
    public var maskPhoneNumbers = true

    public init() {}
}

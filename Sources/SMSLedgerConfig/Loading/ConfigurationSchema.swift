/// `section.key`, the address of one setting.
struct SettingKey: Hashable, Sendable, CustomStringConvertible {
    var section: String
    var name: String

    init(_ section: String, _ name: String) {
        self.section = section
        self.name = name
    }

    var dotted: String { "\(section).\(name)" }
    var description: String { dotted }
    /// `SMSLEDGER_POLLING_WAIT_SECONDS`. One section name has a `_` (`alibaba_push`), so the variable is
    /// looked up in a table of every key's variable rather than split; a test checks no two collide.
    var environmentVariable: String { "SMSLEDGER_\(section.uppercased())_\(name.uppercased())" }
}

/// What a setting's value must look like. Ranges live here, once, so the file, the environment
/// overrides and the error messages all agree.
enum SettingKind: Sendable {
    case string
    case boolean
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case integerList(ClosedRange<Int>)
    case choice([String])
    /// A TOML array of strings (possibly empty); comma-separated in the environment.
    case stringList

    /// The "expected ..." phrase of an error message.
    var expectation: String {
        switch self {
        case .string: "a string"
        case .boolean: "true or false"
        case .integer(let range): "an integer in \(range.lowerBound)...\(range.upperBound)"
        case .number(let range): "a number in \(Self.format(range.lowerBound))...\(Self.format(range.upperBound))"
        case .integerList(let range): "a non-empty array of integers, each in \(range.lowerBound)...\(range.upperBound)"
        case .choice(let names): "one of " + names.joined(separator: "|")
        case .stringList: "an array of strings"
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

struct SettingSpec: Sendable {
    var key: SettingKey
    var kind: SettingKind
    /// Values of secret keys never appear in messages.
    var isSecret = false
}

/// Every key the config file and the environment may set. Anything not listed is an error, so a
/// misspelt key is caught instead of silently running with the default.
enum ConfigurationSchema {
    static let sections = ["alibaba", "queues", "polling", "store", "compensation", "http", "alibaba_push", "telesign",
                           "logging"]

    static let specs: [SettingSpec] = alibaba + queues + polling + store + compensation + http + alibabaPush + telesign
        + logging

    private static let alibaba: [SettingSpec] = [
        spec("alibaba", "access_key_id", .string),
    ] + secretKeys("alibaba", "access_key_secret", credential: true) + [
        spec("alibaba", "region_id", .string),
        spec("alibaba", "dybaseapi_endpoint", .string),
        spec("alibaba", "dysmsapi_endpoint", .string),
        spec("alibaba", "mns_endpoint", .string),
        spec("alibaba", "request_timeout_seconds", .integer(1...300)),
        spec("alibaba", "token_refresh_margin_seconds", .integer(0...3600)),
    ]

    private static let queues: [SettingSpec] = [
        spec("queues", "account_uid", .string),
        spec("queues", "sms_report", .string),
        spec("queues", "sms_up", .string),
        spec("queues", "sms_report_enabled", .boolean),
        spec("queues", "sms_up_enabled", .boolean),
    ]

    private static let polling: [SettingSpec] = [
        spec("polling", "wait_seconds", .integer(1...30)),
        spec("polling", "batch_size", .integer(1...16)),
        spec("polling", "pollers_per_queue", .integer(1...64)),
        spec("polling", "max_backoff_seconds", .integer(1...3600)),
        spec("polling", "config_error_retry_seconds", .integer(5...86400)),
        spec("polling", "high_dequeue_count", .integer(2...1000)),
    ]

    private static let store: [SettingSpec] = [
        spec("store", "path", .string),
        spec("store", "synchronous", .choice(StoreSynchronous.allCases.map(\.rawValue))),
        spec("store", "busy_timeout_ms", .integer(0...600_000)),
    ]

    private static let compensation: [SettingSpec] = [
        spec("compensation", "enabled", .boolean),
        spec("compensation", "interval_seconds", .integer(1...86400)),
        spec("compensation", "first_check_after_seconds", .integer(0...86400)),
        spec("compensation", "backoff_seconds", .integerList(1...2_592_000)),
        spec("compensation", "max_qps", .number(0.1...5000)),
        spec("compensation", "concurrency", .integer(1...64)),
        spec("compensation", "window_days", .integer(1...30)),
    ]

    private static let http: [SettingSpec] = [
        spec("http", "enabled", .boolean),
        spec("http", "listen", .string),
    ] + secretKeys("http", "bearer_token", credential: false) + [
        spec("http", "max_body_bytes", .integer(1024...1_048_576)),
        spec("http", "telesign_callback_path", .string),
        spec("http", "idle_timeout_seconds", .integer(1...3600)),
        spec("http", "request_timeout_seconds", .integer(1...600)),
        spec("http", "max_connections", .integer(1...65536)),
        spec("http", "max_header_bytes", .integer(1024...1_048_576)),
        spec("http", "max_header_count", .integer(8...1000)),
    ]

    private static let alibabaPush: [SettingSpec] = [
        spec("alibaba_push", "enabled", .boolean),
    ] + secretKeys("alibaba_push", "token", credential: true) + [
        spec("alibaba_push", "path_prefix", .string),
        spec("alibaba_push", "allow_from", .stringList),
        spec("alibaba_push", "max_body_bytes", .integer(1024...16_777_216)),
    ]

    private static let telesign: [SettingSpec] = secretKeys("telesign", "api_key", credential: true)

    private static let logging: [SettingSpec] = [
        spec("logging", "level", .choice(LogLevel.allCases.map(\.rawValue))),
        spec("logging", "format", .choice(LogFormat.allCases.map(\.rawValue))),
        spec("logging", "mask_phone_numbers", .boolean),
    ]

    private static let byKey = Dictionary(specs.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    private static let byVariable = Dictionary(specs.map { ($0.key.environmentVariable, $0) },
                                               uniquingKeysWith: { first, _ in first })

    static func spec(for key: SettingKey) -> SettingSpec? { byKey[key] }
    static func spec(forEnvironmentVariable name: String) -> SettingSpec? { byVariable[name] }
    static func keys(in section: String) -> [String] { specs.filter { $0.key.section == section }.map(\.key.name) }

    private static func spec(_ section: String, _ name: String, _ kind: SettingKind) -> SettingSpec {
        SettingSpec(key: SettingKey(section, name), kind: kind)
    }

    /// The family of keys one secret can come from: inline, `_file`, `_env`, and optionally `_credential`.
    private static func secretKeys(_ section: String, _ base: String, credential: Bool) -> [SettingSpec] {
        var keys = [
            SettingSpec(key: SettingKey(section, base), kind: .string, isSecret: true),
            spec(section, base + "_file", .string),
            spec(section, base + "_env", .string),
        ]
        if credential { keys.append(spec(section, base + "_credential", .string)) }
        return keys
    }
}

/// Suggests the closest known name for a misspelt one, by edit distance.
enum Suggestion {
    static func closest(to word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let tolerance = max(2, word.count / 3)
        return best.1 <= tolerance ? best.0 : nil
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                row[j] = min(previous[j] + 1, row[j - 1] + 1, substitution)
            }
            previous = row
        }
        return previous[b.count]
    }
}

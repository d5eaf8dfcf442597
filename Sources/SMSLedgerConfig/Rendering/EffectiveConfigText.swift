import Foundation

extension ConfigLoader {
    /// The configuration the daemon would run with, as TOML, for `smsledger check-config`.
    ///
    /// Every key is listed with its effective value (defaults included), queue names as derived, and
    /// secrets as `"<redacted> (from file /path)"` so the operator sees where each one comes from
    /// without the value ever reaching a terminal or a ticket. Without secrets, the text loads back
    /// into an equal configuration.
    public static func effectiveConfigText(_ configuration: SMSLedgerConfiguration) -> String {
        var text = EffectiveConfigText()
        text.comment("Effective smsledger configuration: defaults, then the file, then SMSLEDGER_* variables.")
        text.comment("Secrets are never shown, only where they come from.")
        text.render(configuration.alibaba)
        text.render(configuration.queues)
        text.render(configuration.polling)
        text.render(configuration.store)
        text.render(configuration.compensation)
        text.render(configuration.http)
        text.render(configuration.alibabaPush)
        text.section("telesign")
        text.secret("api_key", configuration.telesign.apiKey)
        text.render(configuration.logging)
        return text.lines.joined(separator: "\n") + "\n"
    }
}

/// Accumulates the lines of the effective configuration.
private struct EffectiveConfigText {
    var lines: [String] = []

    mutating func comment(_ text: String) { lines.append("# " + text) }

    mutating func section(_ name: String) {
        lines.append("")
        lines.append("[\(name)]")
    }

    mutating func string(_ key: String, _ value: String?) {
        guard let value else {
            lines.append("# \(key): not set")
            return
        }
        lines.append("\(key) = \(Self.quoted(value))")
    }

    mutating func literal(_ key: String, _ value: some CustomStringConvertible) {
        lines.append("\(key) = \(value)")
    }

    mutating func seconds(_ key: String, _ value: Duration) {
        lines.append("\(key) = \(value.components.seconds)")
    }

    mutating func secret(_ key: String, _ value: Secret?) {
        guard let value else {
            lines.append("# \(key): not set")
            return
        }
        lines.append("\(key) = \(Self.quoted("<redacted> (\(value.source))"))")
    }

    /// A TOML basic string, escaping what must be escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    mutating func render(_ alibaba: AlibabaSettings) {
        section("alibaba")
        string("access_key_id", alibaba.accessKeyID)
        secret("access_key_secret", alibaba.accessKeySecret)
        string("region_id", alibaba.regionID)
        string("dybaseapi_endpoint", alibaba.dybaseapiEndpoint.absoluteString)
        string("dysmsapi_endpoint", alibaba.dysmsapiEndpoint.absoluteString)
        string("mns_endpoint", alibaba.mnsEndpoint.absoluteString)
        seconds("request_timeout_seconds", alibaba.requestTimeout)
        seconds("token_refresh_margin_seconds", alibaba.tokenRefreshMargin)
    }

    mutating func render(_ queues: QueueSettings) {
        section("queues")
        string("account_uid", queues.accountUID)
        string("sms_report", queues.smsReport.name)
        string("sms_up", queues.smsUp.name)
        literal("sms_report_enabled", queues.smsReport.enabled)
        literal("sms_up_enabled", queues.smsUp.enabled)
    }

    mutating func render(_ polling: PollingSettings) {
        section("polling")
        seconds("wait_seconds", polling.wait)
        literal("batch_size", polling.batchSize)
        literal("pollers_per_queue", polling.pollersPerQueue)
        seconds("max_backoff_seconds", polling.maxBackoff)
        seconds("config_error_retry_seconds", polling.configErrorRetry)
        literal("high_dequeue_count", polling.highDequeueCount)
    }

    mutating func render(_ store: StoreSettings) {
        section("store")
        string("path", store.path)
        string("synchronous", store.synchronous.rawValue)
        let (seconds, attoseconds) = store.busyTimeout.components
        literal("busy_timeout_ms", seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    mutating func render(_ compensation: CompensationSettings) {
        section("compensation")
        literal("enabled", compensation.enabled)
        seconds("interval_seconds", compensation.interval)
        seconds("first_check_after_seconds", compensation.firstCheckAfter)
        let backoff = compensation.backoff.map { String($0.components.seconds) }.joined(separator: ", ")
        lines.append("backoff_seconds = [\(backoff)]")
        literal("max_qps", compensation.maxQPS)
        literal("concurrency", compensation.concurrency)
        literal("window_days", compensation.windowDays)
    }

    mutating func render(_ http: HTTPSettings) {
        section("http")
        literal("enabled", http.enabled)
        string("listen", http.listen.description)
        secret("bearer_token", http.bearerToken)
        literal("max_body_bytes", http.maxBodyBytes)
        string("telesign_callback_path", http.telesignCallbackPath)
        seconds("idle_timeout_seconds", http.idleTimeout)
        seconds("request_timeout_seconds", http.requestTimeout)
        literal("max_connections", http.maxConnections)
        literal("max_header_bytes", http.maxHeaderBytes)
        literal("max_header_count", http.maxHeaderCount)
    }

    mutating func render(_ push: AlibabaPushSettings) {
        section("alibaba_push")
        literal("enabled", push.enabled)
        secret("token", push.token)
        string("path_prefix", push.pathPrefix)
        lines.append("allow_from = [\(push.allowFrom.map { Self.quoted($0.description) }.joined(separator: ", "))]")
        literal("max_body_bytes", push.maxBodyBytes)
    }

    mutating func render(_ logging: LoggingSettings) {
        section("logging")
        string("level", logging.level.rawValue)
        let resolved = logging.format == .auto ? "  # resolved to \(logging.resolvedFormat.rawValue)" : ""
        lines.append("format = \(Self.quoted(logging.format.rawValue))\(resolved)")
        literal("mask_phone_numbers", logging.maskPhoneNumbers)
    }
}

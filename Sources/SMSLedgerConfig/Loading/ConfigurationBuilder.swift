import Foundation

/// Turns checked raw settings into an ``SMSLedgerConfiguration``, section by section, starting from
/// the defaults. Rules that span keys (queue names from the UID, a bearer token for a public
/// listener) live here.
struct ConfigurationBuilder {
    var reader: SettingsReader
    let environment: [String: String]
    var warnings: [String] = []
    private var configuration = SMSLedgerConfiguration()

    init(raw: RawSettings, environment: [String: String]) {
        reader = SettingsReader(raw: raw)
        self.environment = environment
    }

    mutating func build() -> (configuration: SMSLedgerConfiguration, warnings: [String], errors: [ConfigurationError]) {
        buildAlibaba()
        buildQueues()
        buildPolling()
        buildStore()
        buildCompensation()
        buildHTTP()
        buildTeleSign()
        buildLogging()
        return (configuration, warnings, reader.errors)
    }

    private mutating func buildAlibaba() {
        var alibaba = AlibabaSettings()
        alibaba.accessKeyID = reader.nonEmptyString(SettingKey("alibaba", "access_key_id"))
        alibaba.accessKeySecret = secret(SecretFamily(section: "alibaba", base: "access_key_secret",
                                                      defaultCredential: "alibaba-access-key-secret"))
        if alibaba.accessKeyID != nil, alibaba.accessKeySecret == nil {
            warnings.append("alibaba.access_key_id is set but no access key secret was found: set access_key_secret_file "
                + "or access_key_secret_env, or provide the systemd credential 'alibaba-access-key-secret'")
        }
        let region = SettingKey("alibaba", "region_id")
        if let id = reader.string(region) {
            if !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
                alibaba.regionID = id
            } else {
                reader.report(region, "expected a region id such as cn-hangzhou, got \"\(id)\"")
            }
        }
        alibaba.dybaseapiEndpoint = endpoint(SettingKey("alibaba", "dybaseapi_endpoint")) ?? alibaba.dybaseapiEndpoint
        alibaba.dysmsapiEndpoint = endpoint(SettingKey("alibaba", "dysmsapi_endpoint")) ?? alibaba.dysmsapiEndpoint
        alibaba.mnsEndpoint = endpoint(SettingKey("alibaba", "mns_endpoint")) ?? alibaba.mnsEndpoint
        alibaba.requestTimeout = reader.seconds(SettingKey("alibaba", "request_timeout_seconds")) ?? alibaba.requestTimeout
        alibaba.tokenRefreshMargin = reader.seconds(SettingKey("alibaba", "token_refresh_margin_seconds"))
            ?? alibaba.tokenRefreshMargin
        configuration.alibaba = alibaba
    }

    private mutating func endpoint(_ key: SettingKey) -> URL? {
        guard let text = reader.string(key) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              let host = url.host, !host.isEmpty else {
            reader.report(key, "expected an http:// or https:// URL, got \"\(text)\"")
            return nil
        }
        return url
    }

    private mutating func buildQueues() {
        var queues = QueueSettings()
        let uidKey = SettingKey("queues", "account_uid")
        if let uid = reader.nonEmptyString(uidKey) {
            if uid.allSatisfy({ $0.isASCII && $0.isNumber }) {
                queues.accountUID = uid
            } else {
                reader.report(uidKey, "expected the numeric Aliyun account UID (digits only), got \"\(uid)\"")
            }
        }
        queues.smsReport = subscription("sms_report", messageType: "SmsReport", accountUID: queues.accountUID)
        queues.smsUp = subscription("sms_up", messageType: "SmsUp", accountUID: queues.accountUID)
        configuration.queues = queues
    }

    private mutating func subscription(_ name: String, messageType: String, accountUID: String?) -> QueueSubscription {
        let explicit = reader.nonEmptyString(SettingKey("queues", name))
        let derived = accountUID.map { QueueSettings.derivedName(accountUID: $0, messageType: messageType) }
        let enabled = reader.boolean(SettingKey("queues", name + "_enabled")) ?? true
        let queue = QueueSubscription(name: explicit ?? derived, enabled: enabled)
        if enabled, queue.name == nil, configuration.alibaba.accessKeyID != nil {
            warnings.append("the \(messageType) queue is enabled but has no name: set queues.account_uid "
                + "(or queues.\(name)), or set queues.\(name)_enabled = false")
        }
        return queue
    }

    private mutating func buildPolling() {
        var polling = PollingSettings()
        polling.wait = reader.seconds(SettingKey("polling", "wait_seconds")) ?? polling.wait
        polling.batchSize = reader.integer(SettingKey("polling", "batch_size")) ?? polling.batchSize
        polling.pollersPerQueue = reader.integer(SettingKey("polling", "pollers_per_queue")) ?? polling.pollersPerQueue
        polling.maxBackoff = reader.seconds(SettingKey("polling", "max_backoff_seconds")) ?? polling.maxBackoff
        polling.configErrorRetry = reader.seconds(SettingKey("polling", "config_error_retry_seconds"))
            ?? polling.configErrorRetry
        polling.highDequeueCount = reader.integer(SettingKey("polling", "high_dequeue_count")) ?? polling.highDequeueCount
        configuration.polling = polling
    }

    private mutating func buildStore() {
        var store = StoreSettings()
        let pathKey = SettingKey("store", "path")
        if let path = reader.string(pathKey) {
            if path.isEmpty { reader.report(pathKey, "the ledger path must not be empty") } else { store.path = path }
        }
        store.synchronous = reader.choice(SettingKey("store", "synchronous"), as: StoreSynchronous.self) ?? store.synchronous
        store.busyTimeout = reader.integer(SettingKey("store", "busy_timeout_ms")).map { .milliseconds($0) }
            ?? store.busyTimeout
        configuration.store = store
    }

    private mutating func buildCompensation() {
        var compensation = CompensationSettings()
        compensation.enabled = reader.boolean(SettingKey("compensation", "enabled")) ?? compensation.enabled
        compensation.interval = reader.seconds(SettingKey("compensation", "interval_seconds")) ?? compensation.interval
        compensation.firstCheckAfter = reader.seconds(SettingKey("compensation", "first_check_after_seconds"))
            ?? compensation.firstCheckAfter
        compensation.backoff = reader.integers(SettingKey("compensation", "backoff_seconds"))?.map { .seconds($0) }
            ?? compensation.backoff
        compensation.maxQPS = reader.number(SettingKey("compensation", "max_qps")) ?? compensation.maxQPS
        compensation.concurrency = reader.integer(SettingKey("compensation", "concurrency")) ?? compensation.concurrency
        compensation.windowDays = reader.integer(SettingKey("compensation", "window_days")) ?? compensation.windowDays
        configuration.compensation = compensation
    }

    private mutating func buildHTTP() {
        var http = HTTPSettings()
        http.enabled = reader.boolean(SettingKey("http", "enabled")) ?? http.enabled
        let listenKey = SettingKey("http", "listen")
        if let text = reader.string(listenKey) {
            switch ListenAddress.parse(text) {
            case .success(let address): http.listen = address
            case .failure(let problem): reader.report(listenKey, "\(problem.message), got \"\(text)\"")
            }
        }
        let errorsBefore = reader.errors.count
        http.bearerToken = secret(SecretFamily(section: "http", base: "bearer_token", defaultCredential: nil))
        let tokenFailed = reader.errors.count > errorsBefore
        if http.enabled, !http.listen.isLoopback, http.bearerToken == nil, !tokenFailed {
            reader.report(listenKey, "\(http.listen) is not a loopback address, so the callback endpoint needs a bearer "
                + "token: set http.bearer_token_file or http.bearer_token_env, or listen on 127.0.0.1")
        }
        http.maxBodyBytes = reader.integer(SettingKey("http", "max_body_bytes")) ?? http.maxBodyBytes
        let pathKey = SettingKey("http", "telesign_callback_path")
        if let path = reader.string(pathKey) {
            if path.hasPrefix("/") { http.telesignCallbackPath = path } else {
                reader.report(pathKey, "must start with '/', got \"\(path)\"")
            }
        }
        configuration.http = http
    }

    private mutating func buildTeleSign() {
        let family = SecretFamily(section: "telesign", base: "api_key", defaultCredential: "telesign-api-key")
        guard let key = secret(family) else { return }
        guard let decoded = Data(base64Encoded: key.reveal()), !decoded.isEmpty else {
            let problem = "the TeleSign API key (\(key.source)) is not base64 text; paste it exactly as TeleSign shows it"
            let sourceKey: SettingKey = switch key.source {
            case .file: family.fileKey
            case .environment: family.environmentKey
            case .credential: family.credentialKey
            default: family.inlineKey
            }
            if reader.origin(sourceKey) != nil {
                reader.report(sourceKey, problem)
            } else {
                reader.append(ConfigurationError(file: nil, line: nil, key: sourceKey.dotted, message: "\(sourceKey.dotted): \(problem)"))
            }
            return
        }
        configuration.telesign.apiKey = key
    }

    private mutating func buildLogging() {
        var logging = LoggingSettings()
        logging.level = reader.choice(SettingKey("logging", "level"), as: LogLevel.self) ?? logging.level
        logging.format = reader.choice(SettingKey("logging", "format"), as: LogFormat.self) ?? logging.format
        logging.maskPhoneNumbers = reader.boolean(SettingKey("logging", "mask_phone_numbers")) ?? logging.maskPhoneNumbers
        if logging.format == .auto {
            let journal = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
            logging.resolvedFormat = journal ? .journal : .text
        } else {
            logging.resolvedFormat = logging.format
        }
        configuration.logging = logging
    }
}

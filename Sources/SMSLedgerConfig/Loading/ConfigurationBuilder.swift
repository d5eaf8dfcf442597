import Foundation

/// Turns checked raw settings into an ``SMSLedgerConfiguration``, starting from the defaults: every
/// key with a plain type and range is read by its declaration in ``SettingsCatalogue``; the keys
/// declared there as custom are read here, because their rules span keys (queue names from the UID,
/// a bearer token for a public listener) or go beyond a type (secrets, URLs, addresses).
struct ConfigurationBuilder {
    var reader: SettingsReader
    let environment: [String: String]
    var warnings: [String] = []
    var configuration = SMSLedgerConfiguration()

    init(raw: RawSettings, environment: [String: String]) {
        reader = SettingsReader(raw: raw)
        self.environment = environment
    }

    mutating func build() -> (configuration: SMSLedgerConfiguration, warnings: [String], errors: [ConfigurationError]) {
        for setting in SettingsCatalogue.all { setting.apply?(&reader, &configuration) }
        buildAlibaba()
        buildQueues()
        buildStore()
        buildHTTP()
        buildAlibabaPush()
        buildTeleSign()
        buildLogging()
        buildMetrics()
        buildWebhooks()
        return (configuration, warnings, reader.errors)
    }

    private mutating func buildAlibaba() {
        var alibaba = configuration.alibaba
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
        var queues = configuration.queues
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

    private mutating func buildStore() {
        let pathKey = SettingKey("store", "path")
        if let path = reader.string(pathKey) {
            if path.isEmpty { reader.report(pathKey, "the ledger path must not be empty") } else { configuration.store.path = path }
        }
        let urlKey = SettingKey("store", "url")
        let url = reader.string(urlKey)
        if let url {
            do {
                let (server, password) = try PostgresSettings.parse(url: url)
                if password != nil {
                    reader.report(urlKey, "the URL carries a password; put it in store.password_file, store.password_env "
                        + "or the systemd credential 'store-password' instead")
                }
                configuration.store.postgres.host = server.host
                configuration.store.postgres.port = server.port
                configuration.store.postgres.username = server.username
                configuration.store.postgres.database = server.database
                configuration.store.postgres.tls = server.tls
            } catch {
                reader.report(urlKey, error.description)
            }
        }
        configuration.store.postgres.password = secret(SecretFamily(section: "store", base: "password",
                                                                     defaultCredential: "store-password"))
        if configuration.store.backend == .postgresql, url == nil {
            reader.report(SettingKey("store", "backend"), "backend = \"postgresql\" needs store.url "
                + "(postgresql://user@host:port/database)")
        }
    }

    private mutating func buildHTTP() {
        var http = configuration.http
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
        let pathKey = SettingKey("http", "telesign_callback_path")
        if let path = reader.string(pathKey) {
            if path.hasPrefix("/") { http.telesignCallbackPath = path } else {
                reader.report(pathKey, "must start with '/', got \"\(path)\"")
            }
        }
        configuration.http = http
    }

    private mutating func buildAlibabaPush() {
        var push = configuration.alibabaPush
        let family = SecretFamily(section: "alibaba_push", base: "token", defaultCredential: "alibaba-push-token")
        let errorsBefore = reader.errors.count
        if let token = secret(family) {
            let text = token.reveal()
            if text.count < AlibabaPushSettings.minimumTokenLength || !text.allSatisfy(AlibabaPushSettings.isTokenCharacter) {
                reportSecretProblem(family, token, "the push token (\(token.source)) must be at least "
                    + "\(AlibabaPushSettings.minimumTokenLength) characters of A-Z a-z 0-9 - . _ ~ (it goes into a URL); "
                    + "generate one with: openssl rand -hex 16")
            } else {
                push.token = token
            }
        } else if push.enabled, reader.errors.count == errorsBefore {
            reader.report(SettingKey("alibaba_push", "enabled"), "pushes need a secret token in their URL: set "
                + "alibaba_push.token_file or alibaba_push.token_env, or provide the systemd credential 'alibaba-push-token'")
        }
        let prefixKey = SettingKey("alibaba_push", "path_prefix")
        if let prefix = reader.string(prefixKey) {
            let trimmed = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            if prefix.hasPrefix("/"), !prefix.contains("?"), !prefix.contains("#") {
                push.pathPrefix = trimmed
            } else {
                reader.report(prefixKey, "must start with '/' and hold no '?' or '#', got \"\(prefix)\"")
            }
        }
        let allowKey = SettingKey("alibaba_push", "allow_from")
        if let blocks = reader.strings(allowKey) {
            for (position, text) in blocks.enumerated() {
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                guard let network = SourceNetwork(trimmed) else {
                    reader.report(allowKey, "element \(position + 1): expected an address or CIDR block such as "
                        + "\"100.64.0.0/10\" or \"2001:db8::/32\", got \"\(text)\"")
                    continue
                }
                push.allowFrom.append(network)
            }
        }
        if push.enabled, !configuration.http.enabled {
            reader.report(SettingKey("alibaba_push", "enabled"),
                          "pushes arrive on the HTTP listener, which http.enabled = false switches off")
        }
        configuration.alibabaPush = push
    }

    private mutating func buildTeleSign() {
        let family = SecretFamily(section: "telesign", base: "api_key", defaultCredential: "telesign-api-key")
        guard let key = secret(family) else { return }
        guard let decoded = Data(base64Encoded: key.reveal()), !decoded.isEmpty else {
            reportSecretProblem(family, key,
                                "the TeleSign API key (\(key.source)) is not base64 text; paste it exactly as TeleSign shows it")
            return
        }
        configuration.telesign.apiKey = key
    }

    /// Reports a secret whose value is wrong against the key it came from, with a line when it has one.
    private mutating func reportSecretProblem(_ family: SecretFamily, _ secret: Secret, _ problem: String) {
        let sourceKey: SettingKey = switch secret.source {
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
    }

    /// `metrics.listen`: "listener", or an address of its own. "listener" with the listener off is a
    /// warning, not an error: configs written before `[metrics]` existed must keep starting.
    private mutating func buildMetrics() {
        let key = SettingKey("metrics", "listen")
        if let text = reader.string(key), text != "listener" {
            switch ListenAddress.parse(text) {
            case .success(let address): configuration.metrics.listen = .separate(address)
            case .failure(let error): reader.report(key, "expected \"listener\" or host:port, \(error.message)")
            }
        }
        if configuration.metrics.enabled, configuration.metrics.listen == .listener, !configuration.http.enabled {
            warnings.append("metrics.listen = \"listener\" but http.enabled = false: /metrics is not served; give "
                + "metrics an address of their own (e.g. metrics.listen = \"127.0.0.1:9787\") to scrape them")
        }
    }

    private mutating func buildLogging() {
        var logging = configuration.logging
        logging.format = reader.choice(SettingKey("logging", "format"), as: LogFormat.self) ?? logging.format
        if logging.format == .auto {
            let journal = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
            logging.resolvedFormat = journal ? .journal : .text
        } else {
            logging.resolvedFormat = logging.format
        }
        configuration.logging = logging
    }
}

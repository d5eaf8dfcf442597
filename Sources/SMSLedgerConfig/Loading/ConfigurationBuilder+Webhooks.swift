import Foundation
import SMSLedgerCore

/// The `[[webhooks]]` tables: each element is read with a reader of its own (so the usual typed
/// accessors and the secret family apply, and errors name the element's file and line), then
/// checked as a whole: a name, an http(s) URL and a Standard Webhooks secret are required.
extension ConfigurationBuilder {
    static let webhooksSection = "webhooks"

    mutating func buildWebhooks() {
        var seen: [String: Int] = [:]
        for element in reader.raw.arrayElements[Self.webhooksSection] ?? [] {
            let outer = reader
            reader = SettingsReader(raw: element.settings)
            let endpoint = webhookEndpoint(path: element.path, line: element.line)
            let elementErrors = reader.errors
            reader = outer
            elementErrors.forEach { reader.append($0) }
            guard let endpoint else { continue }
            if let first = seen[endpoint.name] {
                reader.append(ConfigurationError(file: element.path, line: element.line, key: "webhooks.name", message:
                    "webhooks.name at \(element.path):\(element.line): \"\(endpoint.name)\" is already the name of the "
                    + "endpoint at line \(first); each endpoint needs its own"))
                continue
            }
            seen[endpoint.name] = element.line
            configuration.webhooks.endpoints.append(endpoint)
        }
    }

    private func key(_ name: String) -> SettingKey { SettingKey(Self.webhooksSection, name) }

    private mutating func webhookEndpoint(path: String, line: Int) -> WebhookEndpointSettings? {
        let name = reader.nonEmptyString(key("name"))
        if let name, !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            reader.report(key("name"), "use letters, digits, '-', '_' and '.' only, got \"\(name)\"")
        }
        let url = webhookURL()
        let errorsBefore = reader.errors.count
        let secret = secret(SecretFamily(section: Self.webhooksSection, base: "secret", defaultCredential: nil))
        if let secret, WebhookSigningKey.decode(secret.reveal()) == nil {
            reader.report(secret.source.isFile ? key("secret_file") : secret.source.isEnvironment ? key("secret_env") : key("secret"),
                          "the signing secret (\(secret.source)) must be \"whsec_\" followed by base64, as Standard "
                          + "Webhooks libraries print it; make one with: echo whsec_$(openssl rand -base64 32)")
        }
        var missing: [String] = []
        if reader.raw[key("name")] == nil { missing.append("name") }
        if reader.raw[key("url")] == nil { missing.append("url") }
        if secret == nil, reader.errors.count == errorsBefore { missing.append("secret (or secret_file, secret_env)") }
        if !missing.isEmpty {
            reader.append(ConfigurationError(file: path, line: line, key: Self.webhooksSection, message:
                "[[webhooks]] at \(path):\(line) needs " + missing.joined(separator: ", ")))
        }
        guard let name, let url, let secret else { return nil }
        var endpoint = WebhookEndpointSettings(name: name, url: url, secret: secret)
        if let events = webhookEvents() { endpoint.events = events }
        if let seconds = reader.integer(key("timeout_seconds")) { endpoint.timeout = .seconds(seconds) }
        if let headers = webhookHeaders() { endpoint.headers = headers }
        if let count = reader.integer(key("max_in_flight")) { endpoint.maxInFlight = count }
        if let rate = reader.number(key("max_per_second")) { endpoint.maxPerSecond = rate }
        return endpoint
    }

    private mutating func webhookURL() -> URL? {
        guard let text = reader.string(key("url")) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              let host = url.host, !host.isEmpty else {
            reader.report(key("url"), "expected an http:// or https:// URL, got \"\(text)\"")
            return nil
        }
        return url
    }

    private mutating func webhookEvents() -> Set<WebhookEventType>? {
        guard let names = reader.strings(key("events")) else { return nil }
        var events: Set<WebhookEventType> = []
        for (position, name) in names.enumerated() {
            guard let type = WebhookEventType(rawValue: name) else {
                reader.report(key("events"), "element \(position + 1): \"\(name)\" is not an event type ("
                    + WebhookEventType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                return nil
            }
            events.insert(type)
        }
        if events.isEmpty { reader.report(key("events"), "name at least one event type, or remove the endpoint") }
        return events.isEmpty ? nil : events
    }

    /// Headers the signature and the transport own cannot be replaced by configuration.
    static let reservedHeaders: Set<String> = [
        "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length", "host",
        "transfer-encoding", "connection",
    ]

    private mutating func webhookHeaders() -> [WebhookHeader]? {
        guard let lines = reader.strings(key("headers")) else { return nil }
        var headers: [WebhookHeader] = []
        for (position, line) in lines.enumerated() {
            let parts = line.split(separator: ":", maxSplits: 1)
            let name = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let value = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            let token = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }
            guard parts.count == 2, token, !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                reader.report(key("headers"), "element \(position + 1): expected \"Name: value\"")
                return nil
            }
            guard !Self.reservedHeaders.contains(name.lowercased()) else {
                reader.report(key("headers"), "element \(position + 1): \(name) is set by SMSLedger itself")
                return nil
            }
            headers.append(WebhookHeader(name: name, value: value))
        }
        return headers
    }
}

extension Secret.Source {
    var isFile: Bool { if case .file = self { true } else { false } }
    var isEnvironment: Bool { if case .environment = self { true } else { false } }
}

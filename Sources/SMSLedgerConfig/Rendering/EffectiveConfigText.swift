import Foundation

extension ConfigLoader {
    /// The configuration the daemon would run with, as TOML, for `smsledger check-config`.
    ///
    /// Every key is listed with its effective value (defaults included), queue names as derived, and
    /// secrets as `"<redacted> (from file /path)"` so the operator sees where each one comes from
    /// without the value ever reaching a terminal or a ticket. Without secrets, the text loads back
    /// into an equal configuration. The keys and their rendering come from ``SettingsCatalogue``.
    public static func effectiveConfigText(_ configuration: SMSLedgerConfiguration) -> String {
        var lines = [
            "# Effective smsledger configuration: defaults, then the file, then SMSLEDGER_* variables.",
            "# Secrets are never shown, only where they come from.",
        ]
        for (name, settings) in SettingsCatalogue.sections {
            lines.append("")
            lines.append("[\(name)]")
            for setting in settings {
                switch setting.show(configuration) {
                case .toml(let text): lines.append("\(setting.key.name) = \(text)")
                case .notSet: lines.append("# \(setting.key.name): not set")
                case .hidden: break
                }
            }
        }
        for endpoint in configuration.webhooks.endpoints {
            lines += ["", "[[webhooks]]"]
            for setting in SettingsCatalogue.webhookEndpoint {
                switch setting.show(endpoint) {
                case .toml(let text): lines.append("\(setting.name) = \(text)")
                case .notSet: lines.append("# \(setting.name): not set")
                case .hidden: break
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

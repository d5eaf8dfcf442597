import Foundation

/// Every setting, in the order the example file and `check-config` list them, grouped by section.
enum SettingsCatalogue {
    static let sections: [(name: String, settings: [Setting])] = [
        ("alibaba", alibaba), ("queues", queues), ("polling", polling), ("store", store),
        ("compensation", compensation), ("http", http), ("alibaba_push", alibabaPush), ("telesign", telesign),
        ("logging", logging), ("metrics", metrics), ("webhook_delivery", webhookDelivery),
    ]

    static let all: [Setting] = sections.flatMap(\.settings)
}

/// `Config/smsledger.toml`: the file an operator copies, rendered from the catalogue so that it
/// cannot drift from what the loader accepts. `smsledger check-config --example` prints it; a test
/// requires the committed file to be exactly this text.
public enum ExampleConfigText {
    public static func render() -> String {
        var lines = header
        for (name, settings) in SettingsCatalogue.sections {
            lines.append("")
            lines.append("[\(name)]")
            for setting in settings {
                lines += setting.help.map { $0.isEmpty ? "#" : "# " + $0 }
                lines.append("# \(setting.key.name) = \(setting.exampleDefault)")
            }
        }
        for (name, settings) in SettingsCatalogue.arraySections {
            lines += ["", "# [[\(name)]]: one table per endpoint that receives events; none by default, and without", 
                      "# one no events are written. An endpoint added later gets events from then on. Example:", "#",
                      "#   [[\(name)]]"]
            for setting in settings {
                lines += setting.help.map { "#   # " + $0 }
                lines.append("#   \(setting.name) = \(setting.example)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The file's opening comment: how to read it, check it, override it and supply secrets.
    static let header: [String] = """
        # smsledger configuration (usually /etc/smsledger/smsledger.toml)
        #
        # Every key is optional. The lines starting with "# key =" show the built-in default; remove
        # the "# " and change the value to override it. Unknown keys are errors, so a typo cannot slip by.
        # Check your edits with:    smsledger check-config --config /etc/smsledger/smsledger.toml
        #
        # Any key can also be set from the environment as SMSLEDGER_<SECTION>_<KEY>, which wins over this
        # file, e.g. SMSLEDGER_POLLING_WAIT_SECONDS=5 or SMSLEDGER_COMPENSATION_BACKOFF_SECONDS=3600,14400.
        #
        # (This file is what "smsledger check-config --example" prints: both come from one declaration of
        # every key, so they cannot disagree.)
        #
        # Secrets (the access key secret, the HTTP bearer token, the push token, the TeleSign API key) can
        # come from one of:
        #   a systemd credential  LoadCredential=alibaba-access-key-secret:/etc/smsledger/alibaba.secret
        #                         in the unit; the recommended way, nothing else to set here
        #   a file                *_file = "/etc/smsledger/alibaba.secret"  (must be chmod 600)
        #   an env variable       *_env = "ALIBABA_ACCESS_KEY_SECRET"
        #   inline                works, but the daemon warns: this file is usually more readable than a secret should be
        # Set at most one of inline, _file and _env; an empty string means "not set".
        """.components(separatedBy: "\n")
}

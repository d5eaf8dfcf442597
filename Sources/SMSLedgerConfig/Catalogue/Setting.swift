import Foundation
import Parsers

/// One setting, declared once: its key and kind (the range lives in the kind), how a value read from
/// the file or the environment reaches ``SMSLedgerConfiguration``, how the effective configuration
/// shows it, and the help the example file prints above it.
///
/// Everything else is derived from the catalogue (``SettingsCatalogue``): the schema the loader
/// checks keys against, the reading of simple keys, `check-config`'s effective configuration, and
/// `Config/smsledger.toml` (a test requires the file to be exactly what ``ExampleConfigText``
/// renders). Adding a key is one entry here plus its test. Keys whose reading involves other keys or
/// validation beyond type and range (secrets, queue names, endpoints, the listen address) are
/// declared here with ``custom(_:_:_:help:show:)`` and read in ``ConfigurationBuilder``.
struct Setting: Sendable {
    /// How a value appears in the effective configuration.
    enum Shown: Sendable {
        /// TOML text, e.g. `30`, `"full"`, `[5, 10]`.
        case toml(String)
        /// Not set: shown as `# key: not set`; `""` in the example file.
        case notSet
        /// Not shown (a secret's `_file`/`_env`/`_credential` keys: the secret's line says where it came from).
        case hidden

        static func text(_ value: String?) -> Shown { value.map { .toml(TOMLText.quoted($0)) } ?? .notSet }
        static func literal(_ value: some CustomStringConvertible) -> Shown { .toml(value.description) }
        static func list(_ values: [String]) -> Shown { array(values.map(TOMLText.quoted)) }
        static func array(_ elements: [String]) -> Shown { .toml("[" + elements.joined(separator: ", ") + "]") }
        /// A choice shown with what it resolved to, e.g. `format = "auto"  # resolved to text`.
        static func resolved(_ value: String, _ resolution: String?) -> Shown {
            .toml(TOMLText.quoted(value) + (resolution.map { "  # resolved to \($0)" } ?? ""))
        }
    }

    typealias Apply = @Sendable (inout SettingsReader, inout SMSLedgerConfiguration) -> Void

    let spec: SettingSpec
    let help: [String]
    /// Reads the key into the configuration when it is set; `nil` for keys the builder reads itself.
    let apply: Apply?
    let show: @Sendable (SMSLedgerConfiguration) -> Shown
    /// The default as the example file shows it, when it differs from `show` of the defaults.
    let exampleValue: String?

    var key: SettingKey { spec.key }

    /// The value text for `# key = …` in the example file.
    var exampleDefault: String {
        if let exampleValue { return exampleValue }
        switch show(SMSLedgerConfiguration()) {
        case .toml(let text): return text
        case .notSet, .hidden: return "\"\""
        }
    }
}

// MARK: - Declaring settings

extension Setting {
    private init(_ section: String, _ name: String, _ kind: SettingKind, isSecret: Bool = false, help: [String],
                 exampleValue: String? = nil, apply: Apply?, show: @escaping @Sendable (SMSLedgerConfiguration) -> Shown) {
        spec = SettingSpec(key: SettingKey(section, name), kind: kind, isSecret: isSecret)
        self.help = help
        self.apply = apply
        self.show = show
        self.exampleValue = exampleValue
    }

    typealias Path<Value> = WritableKeyPath<SMSLedgerConfiguration, Value> & Sendable

    static func flag(_ section: String, _ name: String, _ path: Path<Bool>, help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .boolean, help: help,
                       apply: { reader, config in if let value = reader.boolean(key) { config[keyPath: path] = value } },
                       show: { .literal($0[keyPath: path]) })
    }

    static func integer(_ section: String, _ name: String, _ range: ClosedRange<Int>, _ path: Path<Int>,
                        help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .integer(range), help: help,
                       apply: { reader, config in if let value = reader.integer(key) { config[keyPath: path] = value } },
                       show: { .literal($0[keyPath: path]) })
    }

    static func seconds(_ section: String, _ name: String, _ range: ClosedRange<Int>, _ path: Path<Duration>,
                        help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .integer(range), help: help,
                       apply: { reader, config in if let value = reader.seconds(key) { config[keyPath: path] = value } },
                       show: { .literal($0[keyPath: path].components.seconds) })
    }

    static func milliseconds(_ section: String, _ name: String, _ range: ClosedRange<Int>, _ path: Path<Duration>,
                             help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .integer(range), help: help,
                       apply: { reader, config in
                           if let value = reader.integer(key) { config[keyPath: path] = .milliseconds(value) }
                       },
                       show: { config in
                           let (seconds, attoseconds) = config[keyPath: path].components
                           return .literal(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
                       })
    }

    static func number(_ section: String, _ name: String, _ range: ClosedRange<Double>, _ path: Path<Double>,
                       help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .number(range), help: help,
                       apply: { reader, config in if let value = reader.number(key) { config[keyPath: path] = value } },
                       show: { .literal($0[keyPath: path]) })
    }

    static func secondsList(_ section: String, _ name: String, _ range: ClosedRange<Int>, _ path: Path<[Duration]>,
                            help: [String]) -> Setting {
        let key = SettingKey(section, name)
        return Setting(section, name, .integerList(range), help: help,
                       apply: { reader, config in
                           if let values = reader.integers(key) { config[keyPath: path] = values.map { .seconds($0) } }
                       },
                       show: { .array($0[keyPath: path].map { String($0.components.seconds) }) })
    }

    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ section: String, _ name: String, _ path: Path<Choice>, help: [String]
    ) -> Setting where Choice.RawValue == String {
        let key = SettingKey(section, name)
        return Setting(section, name, .choice(Choice.allCases.map(\.rawValue)), help: help,
                       apply: { reader, config in
                           if let value = reader.choice(key, as: Choice.self) { config[keyPath: path] = value }
                       },
                       show: { .toml(TOMLText.quoted($0[keyPath: path].rawValue)) })
    }

    /// A key that ``ConfigurationBuilder`` reads itself, because its rules involve other keys or
    /// more than a type and a range.
    /// - Parameter example: the default as the example file shows it, when `show` of the defaults is
    ///   not it (a choice shown with what it resolved to).
    static func custom(_ section: String, _ name: String, _ kind: SettingKind, example: String? = nil, help: [String],
                       show: @escaping @Sendable (SMSLedgerConfiguration) -> Shown) -> Setting {
        Setting(section, name, kind, help: help, exampleValue: example, apply: nil, show: show)
    }

    /// The family of keys one secret can come from: inline, `_file`, `_env`, and `_credential` when the
    /// secret has a default systemd credential name. `help` holds one entry per key, in that order.
    static func secret(_ section: String, _ base: String, _ path: KeyPath<SMSLedgerConfiguration, Secret?> & Sendable,
                       credential: String? = nil, help: [[String]]) -> [Setting] {
        let hidden: @Sendable (SMSLedgerConfiguration) -> Shown = { _ in .hidden }
        var family = [
            Setting(section, base, .string, isSecret: true, help: help[0], apply: nil, show: { config in
                config[keyPath: path].map { .toml(TOMLText.quoted("<redacted> (\($0.source))")) } ?? .notSet
            }),
            Setting(section, base + "_file", .string, help: help[1], apply: nil, show: hidden),
            Setting(section, base + "_env", .string, help: help[2], apply: nil, show: hidden),
        ]
        if let credential {
            family.append(Setting(section, base + "_credential", .string, help: help[3],
                                  exampleValue: TOMLText.quoted(credential), apply: nil, show: hidden))
        }
        return family
    }
}

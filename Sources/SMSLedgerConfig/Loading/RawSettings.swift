import Parsers
import Foundation

/// One value before typing, with where it came from.
struct RawSetting: Sendable {
    var value: TOMLValue
    var origin: SettingOrigin
}

/// The values the file and the environment set, checked against the schema's list of keys (but not
/// yet against types and ranges). The environment wins over the file, key by key.
struct RawSettings: Sendable {
    /// Variables with the `SMSLEDGER_` prefix that are not settings. `SMSLEDGER_CONFIG` names the
    /// config file for the command line, so it must not be reported as a typo.
    static let reservedVariables: Set<String> = ["SMSLEDGER_CONFIG"]

    private(set) var values: [SettingKey: RawSetting] = [:]
    private(set) var errors: [ConfigurationError] = []
    /// The elements of each `[[name]]` table in file order, each with its own values and header line.
    private(set) var arrayElements: [String: [(path: String, line: Int, settings: RawSettings)]] = [:]

    subscript(key: SettingKey) -> RawSetting? { values[key] }

    mutating func absorb(_ document: TOMLDocument, path: String) {
        for section in document.sections {
            if section.name.isEmpty {
                section.entries.forEach { reportOutsideSection($0, path: path) }
            } else if ConfigurationSchema.arraySections.contains(section.name) {
                absorbElement(section, path: path)
            } else if section.isArrayElement {
                errors.append(ConfigurationError(file: path, line: section.line, key: section.name, message:
                    "[[\(section.name)]] at \(path):\(section.line) is not a repeating table; use [\(section.name)] if it is "
                    + "a known section (repeating: " + ConfigurationSchema.arraySections.map { "[[\($0)]]" }.joined(separator: ", ") + ")"))
            } else if ConfigurationSchema.sections.contains(section.name) {
                section.entries.forEach { absorb($0, in: section.name, path: path) }
            } else {
                reportUnknownSection(section, path: path)
            }
        }
    }

    /// One `[[name]]` element: its keys are checked like a section's and kept apart from the others.
    private mutating func absorbElement(_ section: TOMLSection, path: String) {
        guard section.isArrayElement else {
            errors.append(ConfigurationError(file: path, line: section.line, key: section.name, message:
                "[\(section.name)] at \(path):\(section.line) must be written [[\(section.name)]], one table per entry"))
            return
        }
        var element = RawSettings()
        section.entries.forEach { element.absorb($0, in: section.name, path: path) }
        errors += element.errors
        element.errors = []
        arrayElements[section.name, default: []].append((path, section.line, element))
    }

    private mutating func absorb(_ entry: TOMLEntry, in section: String, path: String) {
        let key = SettingKey(section, entry.key)
        guard ConfigurationSchema.spec(for: key) != nil else {
            var message = "unknown key '\(key.dotted)' at \(path):\(entry.line)"
            if let home = ConfigurationSchema.sections.first(where: { ConfigurationSchema.keys(in: $0).contains(entry.key) }) {
                message += " (it belongs in [\(home)])"
            } else if let near = Suggestion.closest(to: entry.key, among: ConfigurationSchema.keys(in: section)) {
                message += " (did you mean '\(near)'?)"
            }
            errors.append(ConfigurationError(file: path, line: entry.line, key: key.dotted, message: message))
            return
        }
        values[key] = RawSetting(value: entry.value, origin: .file(path: path, line: entry.line))
    }

    private mutating func reportOutsideSection(_ entry: TOMLEntry, path: String) {
        var message = "key '\(entry.key)' at \(path):\(entry.line) is outside any section"
        if let home = ConfigurationSchema.sections.first(where: { ConfigurationSchema.keys(in: $0).contains(entry.key) }) {
            message += "; put it under [\(home)]"
        } else {
            message += " and is not a known key; settings go under a [section] such as [polling]"
        }
        errors.append(ConfigurationError(file: path, line: entry.line, key: entry.key, message: message))
    }

    private mutating func reportUnknownSection(_ section: TOMLSection, path: String) {
        var message = "unknown section [\(section.name)] at \(path):\(section.line)"
        if let near = Suggestion.closest(to: section.name, among: ConfigurationSchema.sections) {
            message += " (did you mean [\(near)]?)"
        } else {
            message += " (known sections: " + ConfigurationSchema.sections.joined(separator: ", ") + ")"
        }
        errors.append(ConfigurationError(file: path, line: section.line, key: section.name, message: message))
    }

    /// Applies `SMSLEDGER_<SECTION>_<KEY>` overrides, parsed as the key's type. A prefixed variable
    /// that names no setting is an error: a typo there would otherwise be silently ignored.
    mutating func absorb(environment: [String: String]) {
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("SMSLEDGER_") {
            guard !Self.reservedVariables.contains(variable) else { continue }
            guard let spec = ConfigurationSchema.spec(forEnvironmentVariable: variable) else {
                var message = "environment \(variable): no such setting"
                let known = ConfigurationSchema.specs.map(\.key.environmentVariable)
                if let near = Suggestion.closest(to: variable, among: known) { message += " (did you mean \(near)?)" }
                errors.append(ConfigurationError(file: nil, line: nil, key: nil, environmentVariable: variable, message: message))
                continue
            }
            let origin = SettingOrigin.environment(variable: variable)
            switch Self.parse(text, as: spec.kind) {
            case .some(let value): values[spec.key] = RawSetting(value: value, origin: origin)
            case .none: errors.append(origin.error(spec.key, "expected \(spec.kind.expectation), got '\(text)'"))
            }
        }
    }

    /// Environment text as a value of `kind`; lists are comma-separated (`3600,14400`).
    static func parse(_ text: String, as kind: SettingKind) -> TOMLValue? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .string, .choice:
            return .string(text)
        case .boolean:
            return ["true": true, "false": false][trimmed].map(TOMLValue.boolean)
        case .integer:
            return TOMLScalar.integer(trimmed).map(TOMLValue.integer)
        case .number:
            return TOMLScalar.integer(trimmed).map(TOMLValue.integer) ?? TOMLScalar.float(trimmed).map(TOMLValue.float)
        case .stringList:
            return .array(trimmed.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
        case .integerList:
            if trimmed.isEmpty { return .array([]) }
            var elements: [TOMLValue] = []
            for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                guard let number = TOMLScalar.integer(part.trimmingCharacters(in: .whitespaces)) else { return nil }
                elements.append(.integer(number))
            }
            return .array(elements)
        }
    }
}

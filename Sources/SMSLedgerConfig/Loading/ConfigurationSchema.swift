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

/// Every key the config file and the environment may set, derived from ``SettingsCatalogue``.
/// Anything not listed is an error, so a misspelt key is caught instead of silently running with the
/// default.
enum ConfigurationSchema {
    static let sections = SettingsCatalogue.sections.map(\.name)

    static let specs: [SettingSpec] = SettingsCatalogue.all.map(\.spec)

    /// `[[webhooks]]`: tables that repeat, one per element; their keys have no environment variable.
    static let arraySections = SettingsCatalogue.arraySections.map(\.name)
    static let arraySpecs: [SettingSpec] = SettingsCatalogue.arraySections.flatMap { section in
        section.settings.map { $0.spec(section: section.name) }
    }

    private static let byKey = Dictionary((specs + arraySpecs).map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    private static let byVariable = Dictionary(specs.map { ($0.key.environmentVariable, $0) },
                                               uniquingKeysWith: { first, _ in first })

    static func spec(for key: SettingKey) -> SettingSpec? { byKey[key] }
    static func spec(forEnvironmentVariable name: String) -> SettingSpec? { byVariable[name] }
    static func keys(in section: String) -> [String] {
        (specs + arraySpecs).filter { $0.key.section == section }.map(\.key.name)
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

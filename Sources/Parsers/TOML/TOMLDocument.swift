/// A value as written in the config file, before the schema gives it a meaning.
///
/// Only the scalars and one-level arrays of our TOML subset exist here; everything else is refused
/// by ``TOMLParser`` with a line number, so the schema never has to think about tables or dates.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])

    /// A short phrase for error messages: the value itself, or only its type when the value may be a
    /// secret (a secret must never reach a log line through an error message).
    public func summary(revealing: Bool) -> String {
        switch self {
        case .string(let text):
            guard revealing else { return "a string" }
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "\"\(shown)\""
        case .integer(let number): return revealing ? String(number) : "an integer"
        case .float(let number): return revealing ? String(number) : "a number"
        case .boolean(let flag): return revealing ? String(flag) : "a boolean"
        case .array: return "an array"
        }
    }
}

/// One `key = value` line.
public struct TOMLEntry: Sendable, Equatable {
    public var key: String
    public var value: TOMLValue
    /// The line the key is on (a multi-line array reports where it starts).
    public var line: Int

    public init(key: String, value: TOMLValue, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// One `[section]` (or one `[[section]]` element) and the entries under it. Entries before the first header land in a section
/// named `""` so the schema can explain where they belong instead of the parser guessing.
public struct TOMLSection: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var entries: [TOMLEntry]
    /// `[[name]]`: one element of an array of tables (the webhook endpoints); the name may repeat.
    public var isArrayElement: Bool

    public init(name: String, line: Int, entries: [TOMLEntry], isArrayElement: Bool = false) {
        self.name = name
        self.line = line
        self.entries = entries
        self.isArrayElement = isArrayElement
    }
}

/// A parsed file: its sections in file order, the implicit `""` section first.
public struct TOMLDocument: Sendable, Equatable {
    public var sections: [TOMLSection]

    public init(sections: [TOMLSection]) {
        self.sections = sections
    }

    /// The entries of a section, or an empty list when the file does not have it.
    public func entries(of name: String) -> [TOMLEntry] {
        sections.first { $0.name == name }?.entries ?? []
    }
}

/// A place where the text is not in our TOML subset. Messages never quote the offending text,
/// because the line may hold a secret.
public struct TOMLSyntaxError: Error, Sendable, Equatable {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

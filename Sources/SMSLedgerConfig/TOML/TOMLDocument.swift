/// A value as written in the config file, before the schema gives it a meaning.
///
/// Only the scalars and one-level arrays of our TOML subset exist here; everything else is refused
/// by ``TOMLParser`` with a line number, so the schema never has to think about tables or dates.
enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])

    /// A short phrase for error messages: the value itself, or only its type when the value may be a
    /// secret (a secret must never reach a log line through an error message).
    func summary(revealing: Bool) -> String {
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
struct TOMLEntry: Sendable, Equatable {
    var key: String
    var value: TOMLValue
    /// The line the key is on (a multi-line array reports where it starts).
    var line: Int
}

/// One `[section]` and the entries under it. Entries before the first header land in a section
/// named `""` so the schema can explain where they belong instead of the parser guessing.
struct TOMLSection: Sendable, Equatable {
    var name: String
    var line: Int
    var entries: [TOMLEntry]
}

struct TOMLDocument: Sendable, Equatable {
    var sections: [TOMLSection]

    /// The entries of a section, or an empty list when the file does not have it.
    func entries(of name: String) -> [TOMLEntry] {
        sections.first { $0.name == name }?.entries ?? []
    }
}

/// A place where the text is not in our TOML subset. Messages never quote the offending text,
/// because the line may hold a secret.
struct TOMLSyntaxError: Error, Sendable, Equatable {
    var line: Int
    var message: String
}

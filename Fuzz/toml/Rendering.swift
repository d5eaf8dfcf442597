/// Writes a parsed document back as TOML of our subset, for the re-parse check: basic strings with
/// every character that needs it escaped, numbers in forms the subset reads back exactly.
enum Rendering {
    static func toml(_ document: TOMLDocument) -> String {
        var out = ""
        for section in document.sections {
            if section.isArrayElement {
                out += "[[\(section.name)]]\n"
            } else if !section.name.isEmpty {
                out += "[\(section.name)]\n"
            }
            for entry in section.entries { out += "\(entry.key) = \(value(entry.value))\n" }
        }
        return out
    }

    /// The document with every line number zeroed, so two parses of different texts compare by content.
    static func withoutLines(_ document: TOMLDocument) -> TOMLDocument {
        TOMLDocument(sections: document.sections.map { section in
            TOMLSection(name: section.name, line: 0,
                        entries: section.entries.map { TOMLEntry(key: $0.key, value: $0.value, line: 0) },
                        isArrayElement: section.isArrayElement)
        })
    }

    static func value(_ value: TOMLValue) -> String {
        switch value {
        case .string(let text): return TOMLText.quoted(text)
        case .integer(let number): return String(number)
        case .float(let number): return float(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .array(let elements): return "[" + elements.map(Self.value).joined(separator: ", ") + "]"
        }
    }

    /// Swift's shortest round-tripping form, which is TOML float syntax (`1e+300`, `-0.0`, `5e-324`)
    /// once a whole number gets its `.0`.
    static func float(_ number: Double) -> String {
        let text = String(number)
        return text.contains(where: { $0 == "." || $0 == "e" }) ? text : text + ".0"
    }
}

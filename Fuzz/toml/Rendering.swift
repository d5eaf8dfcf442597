/// Writes a parsed document back as TOML of our subset, for the re-parse check: basic strings with
/// every character that needs it escaped, numbers in forms the subset reads back exactly.
enum Rendering {
    static func toml(_ document: TOMLDocument) -> String {
        var out = ""
        for section in document.sections {
            if !section.name.isEmpty { out += "[\(section.name)]\n" }
            for entry in section.entries { out += "\(entry.key) = \(value(entry.value))\n" }
        }
        return out
    }

    /// The document with every line number zeroed, so two parses of different texts compare by content.
    static func withoutLines(_ document: TOMLDocument) -> TOMLDocument {
        TOMLDocument(sections: document.sections.map { section in
            TOMLSection(name: section.name, line: 0,
                        entries: section.entries.map { TOMLEntry(key: $0.key, value: $0.value, line: 0) })
        })
    }

    static func value(_ value: TOMLValue) -> String {
        switch value {
        case .string(let text): return string(text)
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

    private static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

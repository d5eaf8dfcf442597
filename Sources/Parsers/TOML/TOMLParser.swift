/// Parses the strict TOML subset of the config file, keeping the line of every key.
///
/// We parse it ourselves because every error an operator sees must name the file, the key and the
/// line, which the TOML libraries available here do not expose. Supported: comments, `[section]`
/// headers, `[[section]]` headers (arrays of tables, each a section of its own), `key = value` with bare keys, basic and literal strings, integers, floats, booleans and
/// arrays of scalars (on one line or several, trailing comma allowed). Everything else (inline tables,
/// multi-line strings, dates, dotted names) is refused by name, so nobody wonders why it was ignored.
///
/// The parser recovers at the next line after an error and reports all of them; a duplicate key or
/// section is an error too, because silently taking the last one hides typos.
public struct TOMLParser {
    var bytes: [UInt8]
    var index = 0
    var line = 1
    private(set) var errors: [TOMLSyntaxError] = []
    private var sections: [TOMLSection] = [TOMLSection(name: "", line: 1, entries: [])]
    private var current = 0
    private var keyLines: [String: Int] = [:]
    /// Set while an array is being read; still set after an error inside one, which guides recovery.
    private var readingArray = false

    /// The document and every syntax error in `text`; the document holds what parsed, so a caller can
    /// report schema problems next to syntax ones.
    public static func parse(_ text: String) -> (document: TOMLDocument, errors: [TOMLSyntaxError]) {
        var parser = TOMLParser(text: text)
        parser.parseDocument()
        return (TOMLDocument(sections: parser.sections), parser.errors)
    }

    init(text: String) {
        bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    private mutating func parseDocument() {
        while let byte = peek() {
            switch byte {
            case .space, .tab: index += 1
            case .newline, .carriageReturn: consumeNewlineRecovering()
            case .hash: skipComment()
            default:
                do throws(TOMLSyntaxError) {
                    if byte == .openBracket { try parseHeader() } else { try parseKeyValue() }
                    try expectLineEnd()
                } catch {
                    errors.append(error)
                    recover()
                }
            }
        }
    }

    // MARK: Lines

    private mutating func parseHeader() throws(TOMLSyntaxError) {
        let headerLine = line
        index += 1
        let isArrayElement = peek() == .openBracket
        if isArrayElement { index += 1 }
        skipSpaces()
        let name = readBareKey()
        if name.isEmpty {
            if peek() == .quote || peek() == .apostrophe { throw fail("quoted section names are not supported") }
            throw fail("expected a section name inside [ ]")
        }
        skipSpaces()
        if peek() == .dot {
            throw fail("dotted section names like [\(name).x] are not supported; use a plain name such as [polling]")
        }
        guard peek() == .closeBracket, !isArrayElement || peek(offset: 1) == .closeBracket else {
            throw fail(isArrayElement ? "expected ']]' to close the [[\(name)]] header" : "expected ']' to close the section header")
        }
        index += isArrayElement ? 2 : 1
        keyLines = [:]
        if let existing = sections.firstIndex(where: { $0.name == name && $0.isArrayElement != isArrayElement }) {
            // The keys that follow go on into the clashing section, so they must meet its existing
            // keys: a repeated one is reported, never stored twice.
            enter(existing)
            throw TOMLSyntaxError(line: headerLine, message: "[\(name)] and [[\(name)]] cannot both be used "
                + "(first at line \(sections[existing].line)); [[\(name)]] repeats, [\(name)] does not")
        }
        if isArrayElement {
            sections.append(TOMLSection(name: name, line: headerLine, entries: [], isArrayElement: true))
            current = sections.count - 1
            return
        }
        if let existing = sections.firstIndex(where: { $0.name == name }) {
            enter(existing)
            throw TOMLSyntaxError(line: headerLine, message:
                "duplicate section [\(name)] (first at line \(sections[existing].line)); merge the two")
        }
        sections.append(TOMLSection(name: name, line: headerLine, entries: []))
        current = sections.count - 1
    }

    /// Makes an existing section the current one again, with the keys it already has.
    private mutating func enter(_ existing: Int) {
        current = existing
        keyLines = Dictionary(sections[existing].entries.map { ($0.key, $0.line) }, uniquingKeysWith: { a, _ in a })
    }

    private mutating func parseKeyValue() throws(TOMLSyntaxError) {
        let keyLine = line
        let key = readBareKey()
        if key.isEmpty {
            if peek() == .quote || peek() == .apostrophe { throw fail("quoted keys are not supported; use a bare key") }
            throw fail("expected a key (letters, digits, '_' or '-') or a [section] header")
        }
        skipSpaces()
        if peek() == .dot { throw fail("dotted keys like '\(key).x' are not supported; use a [section]") }
        guard peek() == .equals else { throw fail("expected '=' after key '\(key)'") }
        index += 1
        skipSpaces()
        let value = try parseValue(insideArray: false)
        let section = sections[current].name
        if let first = keyLines[key] {
            let dotted = section.isEmpty ? key : "\(section).\(key)"
            throw TOMLSyntaxError(line: keyLine, message: "duplicate key '\(dotted)' (first set at line \(first))")
        }
        keyLines[key] = keyLine
        sections[current].entries.append(TOMLEntry(key: key, value: value, line: keyLine))
    }

    /// After a complete header or key/value only spaces and a comment may follow on that line.
    private mutating func expectLineEnd() throws(TOMLSyntaxError) {
        skipSpaces()
        if peek() == .hash { skipComment() }
        guard let byte = peek() else { return }
        guard byte == .newline || byte == .carriageReturn else {
            throw fail("unexpected text after the value; put a comment after '#'")
        }
    }

    /// Skips the rest of a broken line. When the error happened inside an array, it first skips to
    /// the array's `]`, so the array's remaining lines do not each report a confusing error of their own.
    private mutating func recover() {
        if readingArray {
            while let byte = peek(), byte != .closeBracket {
                if byte == .newline { line += 1 }
                index += 1
            }
            readingArray = false
        }
        while let byte = peek(), byte != .newline { index += 1 }
    }

    // MARK: Values

    mutating func parseValue(insideArray: Bool) throws(TOMLSyntaxError) -> TOMLValue {
        guard let byte = peek() else { throw fail("missing value after '='") }
        switch byte {
        case .quote:
            if matches(#"""""#) { throw fail("multi-line strings (\"\"\") are not supported") }
            return .string(try parseBasicString())
        case .apostrophe:
            if matches("'''") { throw fail("multi-line literal strings (''') are not supported") }
            return .string(try parseLiteralString())
        case .openBracket:
            if insideArray { throw fail("arrays inside arrays are not supported") }
            return try parseArray()
        case .openBrace:
            throw fail("inline tables ({ ... }) are not supported; use a [section]")
        case .newline, .carriageReturn, .hash, .comma, .closeBracket:
            throw fail("missing value")
        default:
            return try parseBareValue()
        }
    }

    private mutating func parseArray() throws(TOMLSyntaxError) -> TOMLValue {
        let openLine = line
        index += 1
        readingArray = true
        var elements: [TOMLValue] = []
        while true {
            try skipArrayFiller(openLine: openLine)
            if peek() == .closeBracket { index += 1; readingArray = false; return .array(elements) }
            elements.append(try parseValue(insideArray: true))
            try skipArrayFiller(openLine: openLine)
            switch peek() {
            case .comma: index += 1
            case .closeBracket: index += 1; readingArray = false; return .array(elements)
            default: throw fail("expected ',' or ']' in the array opened at line \(openLine)")
            }
        }
    }

    /// Inside an array, spaces, newlines and comments may appear between elements.
    private mutating func skipArrayFiller(openLine: Int) throws(TOMLSyntaxError) {
        while let byte = peek() {
            switch byte {
            case .space, .tab: index += 1
            case .newline: index += 1; line += 1
            case .carriageReturn where peek(offset: 1) == .newline: index += 2; line += 1
            case .hash: skipComment()
            default: return
            }
        }
        throw TOMLSyntaxError(line: openLine, message: "the array opened here is never closed with ']'")
    }

    // MARK: Lexical helpers

    func peek(offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func matches(_ text: String) -> Bool {
        let wanted = Array(text.utf8)
        return index + wanted.count <= bytes.count && Array(bytes[index..<index + wanted.count]) == wanted
    }

    func fail(_ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(line: line, message: message)
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == .space || byte == .tab { index += 1 }
    }

    private mutating func skipComment() {
        while let byte = peek(), byte != .newline, byte != .carriageReturn { index += 1 }
    }

    private mutating func consumeNewlineRecovering() {
        if peek() == .carriageReturn {
            index += 1
            guard peek() == .newline else {
                errors.append(fail("a carriage return must be followed by a line feed"))
                return
            }
        }
        index += 1
        line += 1
    }

    private mutating func readBareKey() -> String {
        let start = index
        while let byte = peek(), byte.isBareKeyCharacter { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }
}

extension UInt8 {
    // The byte names (`hash`, `equals`, `quote`, ...) are in ByteNames.swift, shared with the XML reader.

    var isBareKeyCharacter: Bool {
        (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z")) || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z"))
            || (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9")) || self == UInt8(ascii: "_") || self == UInt8(ascii: "-")
    }
}

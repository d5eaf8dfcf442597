/// A strict RFC 8259 reader over bytes.
///
/// Strict because everything it lets through is stored as a provider's word: no trailing commas,
/// comments, `NaN`/`Infinity`, leading zeros, bare control characters or unknown escapes in strings,
/// and no `\u` surrogate without its partner (a lone surrogate is not a character; a provider sending
/// one has a bug we want to see in quarantine, not a U+FFFD in the ledger). Numbers whose magnitude
/// a `Double` cannot hold (`1e400`) are refused, as `JSONSerialization` refuses them.
///
/// Nesting is limited to ``maxDepth`` so a hostile body cannot exhaust the stack; real bodies are
/// three levels deep. Nothing here traps on any input: every index is checked against the end.
public struct JSONParser {
    /// The deepest nesting accepted; real bodies are three levels deep.
    public static let maxDepth = 64

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    /// Members and elements of the containers still open, innermost last: one growing buffer for the
    /// whole document instead of an array regrown from empty for every object.
    private var pendingMembers: [JSONObject.Member] = []
    private var pendingElements: [JSONValue] = []

    /// The key path whose value the caller wants located, if any (see ``JSONValue/parse(_:locating:)``).
    private let target: [String]?
    /// How many keys lead from the top to the value being read (array positions count as a step that
    /// never matches), and how many of the first of them equal the target's: the value being read is
    /// the target when both equal the target's length.
    private var chainLength = 0
    private var matchedLength = 0
    private var location: JSONLocation?
    private var targetElements: [Range<Int>] = []

    private init(_ bytes: UnsafeRawBufferPointer, target: [String]?) {
        self.bytes = bytes
        self.target = target
        pendingMembers.reserveCapacity(16)  // a whole receipt, without regrowing
    }

    static func parse(
        _ bytes: UnsafeRawBufferPointer, locating target: [String]?
    ) throws(JSONValue.ParseError) -> (value: JSONValue, location: JSONLocation?) {
        guard UTF8Check.isValid(bytes) else { throw .invalidUTF8 }
        var parser = JSONParser(bytes, target: target)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.unexpected() }
        return (value, parser.location)
    }

    // MARK: - Locating

    /// Steps into a member (`key`) or an array element (`nil`). Entering a value on the target's path
    /// forgets an earlier location: with duplicate keys the last occurrence is the one that counts.
    private mutating func enter(_ key: String?) {
        guard let target else { return }
        chainLength += 1
        if matchedLength == chainLength - 1, matchedLength < target.count, let key, key == target[matchedLength] {
            matchedLength += 1
            location = nil
        }
    }

    private mutating func leave() {
        guard target != nil else { return }
        if matchedLength == chainLength { matchedLength -= 1 }
        chainLength -= 1
    }

    private var atTarget: Bool {
        guard let target else { return false }
        return chainLength == matchedLength && matchedLength == target.count
    }

    // MARK: - Values

    private mutating func value() throws(JSONValue.ParseError) -> JSONValue {
        guard atTarget else { return try unlocatedValue(recordingElements: false) }
        let start = index
        targetElements = []
        let value = try unlocatedValue(recordingElements: true)
        location = JSONLocation(bytes: start..<index, elements: targetElements)
        return value
    }

    private mutating func unlocatedValue(recordingElements: Bool) throws(JSONValue.ParseError) -> JSONValue {
        guard index < bytes.count else { throw unexpected() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array(recordingElements: recordingElements)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw unexpected()
        }
    }

    private mutating func object() throws(JSONValue.ParseError) -> JSONValue {
        try enterContainer()
        let base = pendingMembers.count
        skipWhitespace()
        if peek != UInt8(ascii: "}") {
            while true {
                guard peek == UInt8(ascii: "\"") else { throw unexpected() }
                let key = try string()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw unexpected() }
                index += 1
                skipWhitespace()
                enter(key)
                let member = JSONObject.Member(key: key, value: try value())
                leave()
                pendingMembers.append(member)
                skipWhitespace()
                guard peek == UInt8(ascii: ",") else { break }
                index += 1
                skipWhitespace()
            }
            guard peek == UInt8(ascii: "}") else { throw unexpected() }
        }
        index += 1
        depth -= 1
        let members = Array(pendingMembers[base...])
        pendingMembers.removeLast(members.count)
        return .object(JSONObject(members))
    }

    private mutating func array(recordingElements: Bool) throws(JSONValue.ParseError) -> JSONValue {
        try enterContainer()
        let base = pendingElements.count
        skipWhitespace()
        if peek != UInt8(ascii: "]") {
            while true {
                let start = index
                enter(nil)
                let element = try value()
                leave()
                if recordingElements { targetElements.append(start..<index) }
                pendingElements.append(element)
                skipWhitespace()
                guard peek == UInt8(ascii: ",") else { break }
                index += 1
                skipWhitespace()
            }
            guard peek == UInt8(ascii: "]") else { throw unexpected() }
        }
        index += 1
        depth -= 1
        let elements = Array(pendingElements[base...])
        pendingElements.removeLast(elements.count)
        return .array(elements)
    }

    /// Steps over `{` or `[`, refusing to go deeper than ``maxDepth``.
    private mutating func enterContainer() throws(JSONValue.ParseError) {
        guard depth < Self.maxDepth else {
            throw .syntax("nesting deeper than \(Self.maxDepth) levels", offset: index)
        }
        depth += 1
        index += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard peek == byte else { throw unexpected() }
            index += 1
        }
    }

    // MARK: - Numbers

    private mutating func number() throws(JSONValue.ParseError) -> JSONNumber {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") {
            index += 1
            if let next = peek, Self.isDigit(next) { throw .syntax("leading zero in number", offset: index - 1) }
        } else {
            try digits()
        }
        let integerDigits = index - start
        var hasExponent = false
        if peek == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            hasExponent = true
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
        let number = JSONNumber(literal: text(from: start, to: index))
        // Only an exponent or more than 308 integer digits can leave a Double's range.
        if hasExponent || integerDigits > 308, !number.doubleValue.isFinite {
            throw .syntax("number out of range", offset: start)
        }
        return number
    }

    /// One or more decimal digits.
    private mutating func digits() throws(JSONValue.ParseError) {
        guard let first = peek, Self.isDigit(first) else { throw unexpected() }
        index += 1
        while let next = peek, Self.isDigit(next) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: - Strings

    /// A string starting at the opening quote. Strings without escapes (nearly all) are copied once,
    /// straight from the input.
    private mutating func string() throws(JSONValue.ParseError) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = self.text(from: start, to: index)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if byte < 0x20 { throw controlCharacter(byte) }
            index += 1
        }
        throw unexpected()
    }

    /// The rest of a string from its first backslash, unescaping into a buffer.
    private mutating func escapedString(from start: Int) throws(JSONValue.ParseError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(index - start + 32)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &buffer)
            case 0..<0x20:
                throw controlCharacter(byte)
            default:
                buffer.append(byte)
                index += 1
            }
        }
        throw unexpected()
    }

    private mutating func escape(into buffer: inout [UInt8]) throws(JSONValue.ParseError) {
        let escapeStart = index
        index += 1
        guard let letter = peek else { throw unexpected() }
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(letter)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try unicodeEscape(startingAt: escapeStart)
            UTF8.encode(scalar) { buffer.append($0) }
        default:
            throw .syntax("invalid escape character \(describe(at: escapeStart + 1))", offset: escapeStart)
        }
    }

    /// The character of `\uXXXX` (the `\u` already read), joining a UTF-16 surrogate pair.
    private mutating func unicodeEscape(startingAt escapeStart: Int) throws(JSONValue.ParseError) -> Unicode.Scalar {
        let unit = try hexQuad(escapeStart: escapeStart)
        if let scalar = Unicode.Scalar(unit) { return scalar }
        // A surrogate: only a high one followed directly by `\u` and a low one makes a character.
        let unpaired = JSONValue.ParseError.syntax("unpaired surrogate \\u\(Self.hex(unit))", offset: escapeStart)
        guard unit < 0xDC00, peek == UInt8(ascii: "\\"), index + 1 < bytes.count,
              bytes[index + 1] == UInt8(ascii: "u") else { throw unpaired }
        index += 2
        let low = try hexQuad(escapeStart: index - 2)
        guard (0xDC00...0xDFFF).contains(low),
              let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) else { throw unpaired }
        return scalar
    }

    private mutating func hexQuad(escapeStart: Int) throws(JSONValue.ParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek else { throw unexpected() }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .syntax("invalid \\u escape", offset: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: - Reading helpers

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The four RFC 8259 whitespace bytes, nothing else (no NBSP, no BOM after the start).
    private mutating func skipWhitespace() {
        while let byte = peek,
              byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private func text(from start: Int, to end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    private func controlCharacter(_ byte: UInt8) -> JSONValue.ParseError {
        .syntax("unescaped control character 0x\(Self.hex(UInt32(byte), width: 2)) in string", offset: index)
    }

    /// "unexpected X" for whatever is at the current index, or the end of the input.
    private func unexpected() -> JSONValue.ParseError {
        guard index < bytes.count else { return .syntax("unexpected end of input", offset: index) }
        return .syntax("unexpected \(describe(at: index))", offset: index)
    }

    /// The character at `offset` quoted (`'}'`, `'退'`), or `byte 0x00` for a control character, which
    /// would be unreadable in a journal line. The input is already known to be valid UTF-8.
    private func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let lead = bytes[offset]
        if lead < 0x20 || lead == 0x7F { return "byte 0x\(Self.hex(UInt32(lead), width: 2))" }
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        let end = min(offset + length, bytes.count)
        return "'" + String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self) + "'"
    }

    private static func hex(_ value: UInt32, width: Int = 4) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

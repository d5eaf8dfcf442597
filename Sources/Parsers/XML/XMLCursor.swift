
/// The lexical half of `MNSXMLParser`: a position in the document's bytes and the readers for names,
/// text, references and attribute values (comments, processing instructions and the XML declaration
/// are in `XMLCursor+Markup.swift`).
///
/// Every read checks its bounds and fails with an `MNSXMLError` naming the byte offset; nothing here
/// traps on input (`UnsafeRawBufferPointer` does not check indices in release builds, so each index is
/// compared with `bytes.count` before it is read). Only well-formed UTF-8 made of XML characters passes.
struct XMLCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    func byte(at index: Int) -> UInt8? {
        index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    func has(_ literal: StaticString) -> Bool {
        has(literal, at: position)
    }

    func has(_ literal: StaticString, at index: Int) -> Bool {
        literal.withUTF8Buffer { expected in
            guard index >= 0, expected.count <= bytes.count - index else { return false }
            for offset in 0..<expected.count where bytes[index + offset] != expected[offset] { return false }
            return true
        }
    }

    /// Whether the bytes at `index` repeat those of `range` (an earlier name).
    func has(_ range: Range<Int>, at index: Int) -> Bool {
        guard index >= 0, range.count <= bytes.count - index else { return false }
        return same(range, index..<index + range.count)
    }

    /// Skips XML whitespace (space, tab, CR, LF); true if there was any.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, bytes[position].isXMLWhitespace { position += 1 }
        return position > start
    }

    // MARK: Names

    /// A name at `position`, in namespace form: at most one `:`, with a prefix and a local part that
    /// each start like a name (so `:a`, `a:`, `a:1` and `a:b:c` are refused, as libxml2 does).
    mutating func readName(_ what: String) throws(MNSXMLError) -> XMLName {
        let start = position
        var colon: Int?
        var partStart = true
        while position < bytes.count {
            let byte = bytes[position]
            // The common case: ASCII letters, digits, `_`, `-`, `.` (all MNS element names).
            if byte.isASCIINameCharacter {
                if partStart {
                    guard byte.isASCIINameStart else { break }
                    partStart = false
                }
                position += 1
                continue
            }
            if byte == UInt8(ascii: ":") {
                guard colon == nil, !partStart else { throw fail("malformed name", at: start) }
                colon = position
                partStart = true
                position += 1
                continue
            }
            guard byte >= 0x80 else { break }
            let (scalar, length) = try XMLCharacter.scalar(at: position, in: bytes)
            guard partStart ? XMLCharacter.isNameStart(scalar) : XMLCharacter.isNameCharacter(scalar) else { break }
            partStart = false
            position += length
        }
        guard position > start else {
            throw position < bytes.count ? fail("expected \(what)") : ended(inside: "a tag")
        }
        guard !partStart else { throw fail("malformed name", at: start) }
        return XMLName(range: start..<position, colon: colon)
    }

    // MARK: Characters and references

    /// The index after the XML character at `index`; fails on control characters, U+FFFE, U+FFFF and
    /// anything that is not UTF-8.
    func afterCharacter(at index: Int) throws(MNSXMLError) -> Int {
        let byte = bytes[index]
        if byte < 0x80 {
            guard byte >= 0x20 || byte.isXMLWhitespace else {
                throw fail("control character 0x\(String(byte, radix: 16)) in the document", at: index)
            }
            return index + 1
        }
        let (scalar, length) = try XMLCharacter.scalar(at: index, in: bytes)
        guard scalar != 0xFFFE, scalar != 0xFFFF else {
            throw fail("non-character U+\(String(scalar, radix: 16, uppercase: true))", at: index)
        }
        return index + length
    }

    /// The reference starting with `&` at `start`: one of the five predefined entities or a character
    /// reference (`&#65;`, `&#x41;`) to a character XML allows. Returns it and the index after `;`.
    func reference(at start: Int) throws(MNSXMLError) -> (scalar: Unicode.Scalar, next: Int) {
        var index = start + 1
        if byte(at: index) == .hash {
            index += 1
            let hex = byte(at: index) == UInt8(ascii: "x")
            if hex { index += 1 }
            let digitsStart = index
            var value: UInt32 = 0
            while let byte = byte(at: index), let digit = XMLCharacter.digit(byte, hex: hex) {
                value = min(value * (hex ? 16 : 10) + digit, 0x110000)   // saturates: no overflow
                index += 1
            }
            guard index > digitsStart, let end = byte(at: index), end == .semicolon else {
                throw byte(at: index) == nil ? ended(inside: "a character reference")
                    : fail("malformed character reference", at: start)
            }
            guard XMLCharacter.isAllowed(value), let scalar = Unicode.Scalar(value) else {
                let shown = value > 0x10FFFF ? "beyond U+10FFFF" : "U+\(String(value, radix: 16, uppercase: true))"
                throw fail("character reference to \(shown), which XML does not allow", at: start)
            }
            return (scalar, index + 1)
        }
        while let byte = byte(at: index), byte.isASCIINameCharacter, index - start <= 32 { index += 1 }
        guard let end = byte(at: index), end == .semicolon, index > start + 1 else {
            throw byte(at: index) == nil ? ended(inside: "an entity reference")
                : fail("'&' not followed by a reference", at: start)
        }
        let name = start + 1..<index
        let scalar: Unicode.Scalar
        if equals(name, "lt") { scalar = "<" }
        else if equals(name, "gt") { scalar = ">" }
        else if equals(name, "amp") { scalar = "&" }
        else if equals(name, "quot") { scalar = "\"" }
        else if equals(name, "apos") { scalar = "'" }
        else { throw fail("unknown entity &\(quoted(name));", at: start) }
        return (scalar, index + 1)
    }

    // MARK: Text, CDATA, attribute values

    /// Character data up to the next `<` (or the end), appended to `text`: references decoded, line
    /// ends normalised to `\n` as XML requires, `]]>` refused.
    mutating func readText(into text: inout String) throws(MNSXMLError) {
        var runStart = position
        var index = position
        scan: while index < bytes.count {
            // Eight bytes at a time while none needs a closer look.
            while index + 8 <= bytes.count,
                  Self.isPlainText(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            // The common case (base64 bodies, identifiers, numbers): printable ASCII, no markup.
            if byte >= 0x20, byte < 0x80, byte != .lessThan, byte != .ampersand, byte != .closeBracket {
                index += 1
                continue
            }
            switch byte {
            case .lessThan:
                break scan
            case .ampersand:
                append(runStart..<index, to: &text)
                let (scalar, next) = try reference(at: index)
                text.unicodeScalars.append(scalar)
                index = next
                runStart = index
            case .closeBracket:
                if has("]]>", at: index) { throw fail("']]>' in text", at: index) }
                index += 1
            case .carriageReturn:
                append(runStart..<index, to: &text)
                text.append("\n")
                index += self.byte(at: index + 1) == .lineFeed ? 2 : 1
                runStart = index
            default:
                index = try afterCharacter(at: index)
            }
        }
        append(runStart..<index, to: &text)
        position = index
    }

    /// Whether eight bytes are all printable ASCII other than `<`, `&` and `]` (SWAR: a lane below 0x20,
    /// above 0x7F or equal to one of the three sets its high bit in one of the tests).
    private static func isPlainText(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroLane(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let belowSpace = (word &- ones &* 0x20) & ~word & highs != 0
        return word & highs == 0 && !belowSpace && !hasZeroLane(word ^ (ones &* 0x3C))
            && !hasZeroLane(word ^ (ones &* 0x26)) && !hasZeroLane(word ^ (ones &* 0x5D))
    }

    /// `<![CDATA[...]]>` at `position`: its content is text as is, apart from line-end normalisation.
    mutating func readCDATA(into text: inout String) throws(MNSXMLError) {
        let start = position
        var index = position + 9
        var runStart = index
        while true {
            guard index < bytes.count else { throw ended(inside: "the CDATA section at byte \(start)") }
            let byte = bytes[index]
            if byte == .closeBracket, has("]]>", at: index) { break }
            if byte == .carriageReturn {
                append(runStart..<index, to: &text)
                text.append("\n")
                index += self.byte(at: index + 1) == .lineFeed ? 2 : 1
                runStart = index
                continue
            }
            index = try afterCharacter(at: index)
        }
        append(runStart..<index, to: &text)
        position = index + 3
    }

    /// `= "value"` or `= 'value'` after an attribute name: checked (no `<`, known references only) and
    /// returned as a byte range without its quotes.
    mutating func readAttributeValue() throws(MNSXMLError) -> Range<Int> {
        skipWhitespace()
        guard let equalsSign = byte(at: position) else { throw ended(inside: "an attribute") }
        guard equalsSign == .equals else { throw fail("expected '=' after an attribute name") }
        position += 1
        skipWhitespace()
        guard let quote = byte(at: position) else { throw ended(inside: "an attribute") }
        guard quote == .quote || quote == .apostrophe else { throw fail("attribute value without quotes") }
        let valueStart = position + 1
        var index = valueStart
        while true {
            guard index < bytes.count else { throw ended(inside: "the attribute value at byte \(position)") }
            let byte = bytes[index]
            if byte == quote { break }
            switch byte {
            case .lessThan: throw fail("'<' in an attribute value", at: index)
            case .ampersand: index = try reference(at: index).next
            default: index = try afterCharacter(at: index)
            }
        }
        position = index + 1
        return valueStart..<index
    }

    /// An attribute value (already checked by `readAttributeValue`) with its references decoded.
    func decodedValue(_ range: Range<Int>) -> [UInt8] {
        var value: [UInt8] = []
        var index = range.lowerBound
        while index < range.upperBound {
            if bytes[index] == .ampersand, let (scalar, next) = try? reference(at: index) {
                value += Array(String(scalar).utf8)
                index = next
            } else {
                value.append(bytes[index])
                index += 1
            }
        }
        return value
    }

    private func append(_ range: Range<Int>, to text: inout String) {
        guard !range.isEmpty else { return }
        let run = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        if text.isEmpty { text = run } else { text += run }
    }

    // MARK: Comparing, quoting, failing

    func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        // Names are short (MNS element names are under 20 bytes): a byte loop, no libc needed.
        return bytes[a].elementsEqual(bytes[b])
    }

    func equals(_ range: Range<Int>, _ literal: StaticString, ignoringCase: Bool = false) -> Bool {
        literal.withUTF8Buffer { expected in
            guard range.count == expected.count else { return false }
            for offset in 0..<range.count {
                let byte = bytes[range.lowerBound + offset]
                guard byte == expected[offset]
                    || (ignoringCase && byte.asciiLowercased == expected[offset].asciiLowercased) else { return false }
            }
            return true
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Document text for an error message, cut to 40 bytes so a hostile name cannot flood the log.
    func quoted(_ range: Range<Int>) -> String {
        let shown = range.lowerBound..<min(range.upperBound, range.lowerBound + 40)
        return string(shown) + (shown.count < range.count ? "…" : "")
    }

    func fail(_ problem: String, at offset: Int? = nil) -> MNSXMLError {
        MNSXMLError("\(problem) at byte \(offset ?? position)", offset: offset ?? position)
    }

    /// The document stopped early: the usual sign of a truncated answer.
    func ended(inside construct: String) -> MNSXMLError {
        MNSXMLError("document ended inside \(construct) (\(bytes.count) bytes)", offset: bytes.count)
    }
}

/// An element or attribute name as a byte range, with the position of its `:` if it has a prefix.
struct XMLName {
    var range: Range<Int>
    var colon: Int?

    var prefix: Range<Int>? { colon.map { range.lowerBound..<$0 } }
    var local: Range<Int> { (colon.map { $0 + 1 } ?? range.lowerBound)..<range.upperBound }
}

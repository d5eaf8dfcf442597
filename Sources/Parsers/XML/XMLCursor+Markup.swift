/// The markup `MNSXMLParser` reads and then drops: comments, processing instructions and the XML
/// declaration. Each is checked as strictly as the text the parser keeps.
extension XMLCursor {
    /// `<!-- ... -->` at `position`, where `--` may not appear inside.
    mutating func skipComment() throws(MNSXMLError) {
        let start = position
        var index = position + 4
        while true {
            guard index < bytes.count else { throw ended(inside: "the comment at byte \(start)") }
            if bytes[index] == .hyphen, byte(at: index + 1) == .hyphen {
                guard let next = byte(at: index + 2) else { throw ended(inside: "the comment at byte \(start)") }
                guard next == .greaterThan else { throw fail("'--' inside a comment", at: index) }
                position = index + 3
                return
            }
            index = try afterCharacter(at: index)
        }
    }

    /// `<?target data?>` at `position`; the target `xml` is reserved for the declaration at the start.
    mutating func skipProcessingInstruction() throws(MNSXMLError) {
        let start = position
        position += 2
        let target = try readName("a processing instruction target")
        guard target.colon == nil else { throw fail("':' in a processing instruction target", at: start) }
        if equals(target.range, "xml", ignoringCase: true) {
            throw fail("XML declaration not at the start of the document", at: start)
        }
        // Names starting with "xml" are reserved; libxml2 lets only these two through.
        let firstThree = target.range.lowerBound..<min(target.range.upperBound, target.range.lowerBound + 3)
        if equals(firstThree, "xml", ignoringCase: true),
           !equals(target.range, "xml-stylesheet"), !equals(target.range, "xml-model") {
            throw fail("reserved processing instruction target \(quoted(target.range))", at: start)
        }
        if has("?>") {
            position += 2
            return
        }
        guard skipWhitespace() else {
            throw position < bytes.count ? fail("expected whitespace after the processing instruction target")
                : ended(inside: "the processing instruction at byte \(start)")
        }
        var index = position
        while true {
            guard index < bytes.count else { throw ended(inside: "the processing instruction at byte \(start)") }
            if bytes[index] == .question, byte(at: index + 1) == .greaterThan {
                position = index + 2
                return
            }
            index = try afterCharacter(at: index)
        }
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` at `position`: version 1.0, UTF-8
    /// only, in this order.
    mutating func readDeclaration() throws(MNSXMLError) {
        let start = position
        position += 5
        guard let version = try pseudoAttribute("version") else {
            throw fail("XML declaration without a version", at: start)
        }
        guard equals(version, "1.0") else {
            throw fail("XML version \(quoted(version)) is not 1.0", at: version.lowerBound)
        }
        if let encoding = try pseudoAttribute("encoding"), !equals(encoding, "UTF-8", ignoringCase: true) {
            throw fail("encoding \(quoted(encoding)) is not accepted (UTF-8 only)", at: encoding.lowerBound)
        }
        if let standalone = try pseudoAttribute("standalone"), !equals(standalone, "yes"), !equals(standalone, "no") {
            throw fail("standalone must be yes or no", at: standalone.lowerBound)
        }
        skipWhitespace()
        guard has("?>") else {
            throw position < bytes.count ? fail("malformed XML declaration") : ended(inside: "the XML declaration")
        }
        position += 2
    }

    /// One `name="value"` of the XML declaration, or nil (position unchanged) if the next one is not it.
    private mutating func pseudoAttribute(_ name: StaticString) throws(MNSXMLError) -> Range<Int>? {
        let start = position
        guard skipWhitespace(), has(name) else {
            position = start
            return nil
        }
        position += name.withUTF8Buffer { $0.count }
        skipWhitespace()
        guard byte(at: position) == .equals else { throw fail("expected '=' in the XML declaration") }
        position += 1
        skipWhitespace()
        guard let quote = byte(at: position), quote == .quote || quote == .apostrophe else {
            throw fail("expected a quoted value in the XML declaration")
        }
        var index = position + 1
        while let byte = byte(at: index), byte != quote {
            guard byte > 0x20, byte < 0x7F, byte != .lessThan else { throw fail("invalid XML declaration", at: index) }
            index += 1
        }
        guard index < bytes.count else { throw ended(inside: "the XML declaration") }
        let value = position + 1..<index
        position = index + 1
        return value
    }
}

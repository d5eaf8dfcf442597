/// A strict, single-pass reader of one MNS XML document, straight from its bytes.
///
/// It replaced FoundationXML's `XMLParser`, which makes a delegate callback and a bridged `String`
/// per event, an order of magnitude slower than a byte scan of the same answer (figures in
/// Benchmarks/README.md). `XMLParser` on Linux was also fragile on hostile input: it
/// reported success for some truncated documents, and it crashed the process on a processing
/// instruction without data (`<?pi?>`) and on invalid UTF-8 inside an element name or a comment.
///
/// It reads XML 1.0 in UTF-8: an XML declaration, comments, processing instructions, CDATA sections,
/// the five predefined entities and character references. Attributes are checked and then dropped;
/// namespace prefixes must be declared but are not resolved, since the answers' readers match local
/// names only. Anything else a conforming parser refuses is refused here too, plus a few legal things
/// MNS never sends: a DOCTYPE (so there is no entity expansion to attack), encodings other than UTF-8,
/// and more than `maxDepth` nested elements, `maxAttributes` attributes on one element or
/// `maxPrefixes` namespace prefixes in scope (the last two keep the duplicate and prefix checks, which
/// compare names pairwise, cheap on any input). Every error names the byte offset where reading stopped.
///
/// This type builds the tree (tags, namespaces, the stack of open elements); `XMLCursor` reads the
/// tokens. The tree is built on an explicit stack, never by recursion, so no input can exhaust the
/// call stack. The bytes are only valid inside the `withUnsafeBytes` call of `MNSXML.parse`.
struct MNSXMLParser {
    /// Deeper nesting is refused. MNS answers are three levels deep. Reading needs no bound (the stack
    /// of open elements is an array), but freeing, comparing or printing an `MNSXMLElement` recurses
    /// through its children: a 100,000-deep tree overflows the thread's stack when it is released.
    static let maxDepth = 256
    /// MNS elements carry at most one attribute (`xmlns`).
    static let maxAttributes = 32
    static let maxPrefixes = 32

    /// An element between its start and end tags.
    private struct OpenElement {
        /// Collects the element's text and children until its end tag.
        var element: MNSXMLElement
        /// The qualified name, to match the end tag byte for byte.
        var name: XMLName
        /// How many namespace prefixes were in scope before this element, so closing it drops its own.
        var prefixMark: Int
    }

    private var cursor: XMLCursor
    /// The open elements, innermost last.
    private var open: [OpenElement] = []
    /// Namespace prefixes in scope (from `xmlns:p` attributes), innermost declarations last.
    private var prefixes: [Range<Int>] = []
    /// The attribute names of the tag being read, for duplicate and prefix checks; reused per tag.
    private var attributeNames: [XMLName] = []
    private var root: MNSXMLElement?
    /// Element names met so far in this document, each with its local name as a `String`. MNS repeats
    /// the same ten names in every message, so a start tag is usually one comparison (tried in the
    /// order the names last followed each other) instead of a scan and a new string.
    private var knownNames: [(name: XMLName, local: String)] = []
    private var nextGuess = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        cursor = XMLCursor(bytes)
    }

    /// Reads the whole document: prolog, exactly one root element, then only comments, processing
    /// instructions and whitespace.
    mutating func parseDocument() throws(MNSXMLError) -> MNSXMLElement {
        if cursor.has("\u{FEFF}") { cursor.position = 3 }
        if cursor.has("<?xml"), let next = cursor.byte(at: cursor.position + 5),
           next.isXMLWhitespace || next == .question {
            try cursor.readDeclaration()
        }
        try readMisc(beforeRoot: true)
        try readStartTag()
        while !open.isEmpty {
            guard let byte = cursor.byte(at: cursor.position) else {
                throw cursor.ended(inside: "<\(cursor.quoted(open.last?.name.range ?? 0..<0))>")
            }
            if byte == .lessThan {
                try readMarkup()
            } else {
                try cursor.readText(into: &open[open.count - 1].element.text)
            }
        }
        try readMisc(beforeRoot: false)
        guard let root else { throw MNSXMLError("no root element") }
        return root
    }

    /// Whitespace, comments and processing instructions around the root element. Before it, returns at
    /// what must be the root's start tag; after it, at the end of the document.
    private mutating func readMisc(beforeRoot: Bool) throws(MNSXMLError) {
        while true {
            cursor.skipWhitespace()
            guard let byte = cursor.byte(at: cursor.position) else {
                if beforeRoot { throw MNSXMLError("no root element") }
                return
            }
            guard byte == .lessThan else {
                throw cursor.fail(beforeRoot ? "text before the root element" : "content after the root element")
            }
            if cursor.has("<!--") {
                try cursor.skipComment()
            } else if cursor.has("<?") {
                try cursor.skipProcessingInstruction()
            } else if cursor.has("<!DOCTYPE") {
                throw cursor.fail("DOCTYPE is not accepted")
            } else if cursor.has("</") {
                throw cursor.fail("closing tag without an open element")
            } else if beforeRoot {
                return
            } else {
                throw cursor.fail("content after the root element")
            }
        }
    }

    /// Markup inside an element: an end tag, a child, a comment, a PI or a CDATA section.
    private mutating func readMarkup() throws(MNSXMLError) {
        switch cursor.byte(at: cursor.position + 1) {
        case .slash?:
            try readEndTag()
        case .question?:
            try cursor.skipProcessingInstruction()
        case .exclamation?:
            if cursor.has("<!--") {
                try cursor.skipComment()
            } else if cursor.has("<![CDATA[") {
                try cursor.readCDATA(into: &open[open.count - 1].element.text)
            } else if cursor.has("<!DOCTYPE") {
                throw cursor.fail("DOCTYPE is not accepted")
            } else {
                throw cursor.fail("unexpected '<!' markup")
            }
        default:
            try readStartTag()
        }
    }

    /// `<name attr="value" ...>` or `<name .../>`; opens the element (and closes it if self-closing).
    private mutating func readStartTag() throws(MNSXMLError) {
        let start = cursor.position
        cursor.position += 1
        let (name, localName) = try readElementName()
        let prefixMark = prefixes.count
        if !attributeNames.isEmpty { attributeNames.removeAll(keepingCapacity: true) }
        var selfClosing = false
        while true {
            let spaced = cursor.skipWhitespace()
            guard let byte = cursor.byte(at: cursor.position) else {
                throw cursor.ended(inside: "the start tag at byte \(start)")
            }
            if byte == .greaterThan {
                cursor.position += 1
                break
            }
            if byte == .slash {
                guard let next = cursor.byte(at: cursor.position + 1) else {
                    throw cursor.ended(inside: "the start tag at byte \(start)")
                }
                guard next == .greaterThan else { throw cursor.fail("expected '>' after '/'") }
                cursor.position += 2
                selfClosing = true
                break
            }
            guard spaced else { throw cursor.fail("expected whitespace before an attribute") }
            guard attributeNames.count < Self.maxAttributes else {
                throw cursor.fail("more than \(Self.maxAttributes) attributes on one element")
            }
            try readAttribute()
        }
        // Only after all attributes: a tag may use a prefix that it declares itself.
        try checkPrefix(of: name)
        for attribute in attributeNames { try checkPrefix(of: attribute) }
        guard open.count < Self.maxDepth else {
            throw cursor.fail("elements nested deeper than \(Self.maxDepth)", at: start)
        }
        open.append(OpenElement(element: MNSXMLElement(name: localName, text: "", children: []),
                                name: name, prefixMark: prefixMark))
        if selfClosing { closeElement() }
    }

    /// The name of the start tag at `position`, and its local part as a `String`. When the bytes repeat a
    /// known name up to a byte that cannot continue a name, `readName` would read exactly that name, so
    /// it is reused; otherwise the name is read (and remembered, up to 16 names).
    private mutating func readElementName() throws(MNSXMLError) -> (XMLName, String) {
        let start = cursor.position
        for offset in 0..<knownNames.count {
            let index = (nextGuess + offset) % knownNames.count
            let known = knownNames[index].name
            let end = start + known.range.count
            guard cursor.byte(at: start) == cursor.bytes[known.range.lowerBound], cursor.has(known.range, at: start),
                  let after = cursor.byte(at: end),
                  after == .greaterThan || after == .slash || after.isXMLWhitespace else { continue }
            cursor.position = end
            nextGuess = index + 1
            let colon = known.colon.map { start + ($0 - known.range.lowerBound) }
            return (XMLName(range: start..<end, colon: colon), knownNames[index].local)
        }
        let name = try cursor.readName("an element name")
        let local = cursor.string(name.local)
        if knownNames.count < 16 {
            knownNames.append((name, local))
            nextGuess = knownNames.count
        }
        return (name, local)
    }

    /// `name = "value"`: checked, then dropped unless it declares a namespace prefix.
    private mutating func readAttribute() throws(MNSXMLError) {
        let name = try cursor.readName("an attribute name")
        for other in attributeNames where cursor.same(other.range, name.range) {
            throw cursor.fail("duplicate attribute \(cursor.quoted(name.range))", at: name.range.lowerBound)
        }
        attributeNames.append(name)
        let value = try cursor.readAttributeValue()
        guard let prefix = name.prefix else {
            if cursor.equals(name.range, "xmlns"), !value.isEmpty {
                try checkNamespaceName(value, requireScheme: true)
            }
            return
        }
        if cursor.equals(prefix, "xml"), cursor.equals(name.local, "space"),
           !cursor.equals(value, "default"), !cursor.equals(value, "preserve") {
            throw cursor.fail("xml:space must be default or preserve", at: name.range.lowerBound)
        }
        guard cursor.equals(prefix, "xmlns") else { return }
        guard !value.isEmpty else {
            throw cursor.fail("empty namespace name for a prefix", at: name.range.lowerBound)
        }
        guard !cursor.equals(name.local, "xml"), !cursor.equals(name.local, "xmlns") else {
            throw cursor.fail("reserved prefix \(cursor.quoted(name.local)) declared", at: name.range.lowerBound)
        }
        try checkNamespaceName(value, requireScheme: false)
        guard prefixes.count < Self.maxPrefixes else {
            throw cursor.fail("more than \(Self.maxPrefixes) namespace prefixes in scope", at: name.range.lowerBound)
        }
        prefixes.append(name.local)
    }

    /// See `XMLNamespaceName` for why namespace names are checked at all.
    private func checkNamespaceName(_ value: Range<Int>, requireScheme: Bool) throws(MNSXMLError) {
        guard XMLNamespaceName.isValid(cursor.decodedValue(value), requireScheme: requireScheme) else {
            throw cursor.fail("\(cursor.quoted(value)) is not a namespace URI", at: value.lowerBound)
        }
    }

    /// A prefixed name must use a prefix declared on this element or an enclosing one. `xml` always
    /// is; `xmlns:` is a declaration on an attribute and reserved on an element.
    private func checkPrefix(of name: XMLName) throws(MNSXMLError) {
        guard let prefix = name.prefix, !cursor.equals(prefix, "xml") else { return }
        if cursor.equals(prefix, "xmlns") {
            guard attributeNames.contains(where: { $0.range == name.range }) else {
                throw cursor.fail("the prefix xmlns is reserved", at: name.range.lowerBound)
            }
            return
        }
        guard prefixes.reversed().contains(where: { cursor.same($0, prefix) }) else {
            throw cursor.fail("undeclared namespace prefix \(cursor.quoted(prefix))", at: name.range.lowerBound)
        }
    }

    /// `</name>` (whitespace allowed before `>`), which must close the innermost open element.
    private mutating func readEndTag() throws(MNSXMLError) {
        let start = cursor.position
        cursor.position += 2
        // The usual case, `</name>` exactly, needs one comparison instead of reading the name again.
        if let expected = open.last?.name.range, cursor.has(expected, at: cursor.position),
           cursor.byte(at: cursor.position + expected.count) == .greaterThan {
            cursor.position += expected.count + 1
            closeElement()
            return
        }
        let name = try cursor.readName("an element name")
        cursor.skipWhitespace()
        guard let byte = cursor.byte(at: cursor.position) else {
            throw cursor.ended(inside: "the end tag at byte \(start)")
        }
        guard byte == .greaterThan else { throw cursor.fail("expected '>' to finish the end tag") }
        cursor.position += 1
        guard let expected = open.last?.name else {
            throw cursor.fail("closing tag without an open element", at: start)
        }
        guard cursor.same(expected.range, name.range) else {
            throw cursor.fail("</\(cursor.quoted(name.range))> does not close <\(cursor.quoted(expected.range))>",
                              at: start)
        }
        closeElement()
    }

    /// Pops the innermost element into its parent's children, or makes it the root.
    private mutating func closeElement() {
        guard let closed = open.popLast() else { return }
        if closed.prefixMark < prefixes.count { prefixes.removeSubrange(closed.prefixMark...) }
        guard !open.isEmpty else {
            root = closed.element
            return
        }
        open[open.count - 1].element.children.append(closed.element)
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// libFuzzer target for the XML reader in Sources/Parsers/XML (built by Fuzz/run.sh, which compiles
// those sources into this module). Per input it checks, and traps with a message on failure:
//
// 1. No crash, no hang, and a refusal names a byte offset inside the input.
// 2. Differential against FoundationXML's `XMLParser` where both accept: whenever we accept a
//    document, XMLParser (namespace processing on) must accept it too and see the same elements,
//    by local name and nesting, and the same text in every leaf element. XMLParser is run only on
//    documents we accept: on Linux it crashes on some malformed input (see MNSXMLParser.swift), and
//    we refuse more than it does on purpose (a DOCTYPE, encodings other than UTF-8).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let bytes = Array(input)
    let ours: MNSXMLElement
    do {
        ours = try MNSXML.parse(bytes)
    } catch {
        if let offset = error.offset, offset > bytes.count { fail("refusal names byte \(offset), past the end: \(error)", input) }
        return 0
    }
    // FoundationXML crashes (a NULL strlen) on a processing instruction without data, `<?x?>`, which
    // is well-formed XML: the reason the project has its own reader. Such documents skip the comparison.
    if hasProcessingInstructionAfterDeclaration(bytes) { return 0 }
    let reader = TreeReader()
    let parser = XMLParser(data: Data(bytes))
    parser.shouldProcessNamespaces = true
    parser.delegate = reader
    guard parser.parse(), let theirs = reader.root else {
        fail("we accept what XMLParser refuses (\(parser.parserError.map { "\($0)" } ?? "no root")); we read \(ours)", input)
    }
    if let difference = difference(ours, theirs, path: ours.name) {
        fail("XMLParser reads a different tree: \(difference)", input)
    }
    return 0
}

/// Whether `<?` occurs anywhere but in an XML declaration at the very start (conservative: inside a
/// comment or CDATA it counts too).
func hasProcessingInstructionAfterDeclaration(_ bytes: [UInt8]) -> Bool {
    let start = bytes.starts(with: Array("<?xml ".utf8)) ? 2 : 0
    guard bytes.count > start + 1 else { return false }
    for index in start..<(bytes.count - 1) where bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "?") {
        return true
    }
    return false
}

/// What XMLParser reported, reduced to what `MNSXMLElement` keeps.
final class Node {
    let name: String
    var text = ""
    var children: [Node] = []
    init(_ name: String) { self.name = name }
}

final class TreeReader: NSObject, XMLParserDelegate {
    var root: Node?
    private var open: [Node] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        let node = Node(elementName)
        if let parent = open.last { parent.children.append(node) } else { root = node }
        open.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        _ = open.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        open.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        open.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }
}

/// The first difference between the two trees, or `nil`. Names are local names (prefixes dropped);
/// text is compared in leaf elements only, where both readers keep it whole.
func difference(_ ours: MNSXMLElement, _ theirs: Node, path: String) -> String? {
    let localName = theirs.name.split(separator: ":").last.map(String.init) ?? theirs.name
    guard ours.name == localName else { return "\(path): element \(ours.name) against \(theirs.name)" }
    guard ours.children.count == theirs.children.count else {
        return "\(path): \(ours.children.count) children against \(theirs.children.count)"
    }
    if ours.children.isEmpty, ours.text != theirs.text {
        return "\(path): text \(ours.text.debugDescription) against \(theirs.text.debugDescription)"
    }
    for (index, (mine, other)) in zip(ours.children, theirs.children).enumerated() {
        if let found = difference(mine, other, path: "\(path)/\(mine.name)[\(index)]") { return found }
    }
    return nil
}

func fail(_ message: String, _ input: UnsafeRawBufferPointer) -> Never {
    fail("xml", message, input)
}

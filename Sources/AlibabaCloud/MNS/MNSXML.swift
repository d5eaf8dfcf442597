import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed MNS XML document, reduced to what the answers contain: elements with local names,
/// text and children. Namespaces and prefixes are dropped, element order is kept but nobody depends
/// on it (MNS answers use `…/doc/v1` without a slash, requests `…/doc/v1/`, and a proxy may reorder).
struct MNSXMLElement: Sendable, Equatable {
    var name: String
    var text: String
    var children: [MNSXMLElement]

    /// The text of the first child with this local name.
    func childText(_ name: String) -> String? {
        children.first { $0.name == name }?.text
    }

    func children(named name: String) -> [MNSXMLElement] {
        children.filter { $0.name == name }
    }
}

enum MNSXML {
    /// The largest document accepted; far above a full 16-message batch.
    static let maxBytes = 16 << 20

    /// Parses a whole document in one pass. Fails (rather than returning a partial tree) on anything
    /// that is not one complete, well-formed document: FoundationXML on Linux reports success for a
    /// truncated document, so this also checks `parserError` and that the root element closed.
    static func parse(_ data: Data) throws(MNSXMLError) -> MNSXMLElement {
        guard !data.isEmpty else { throw MNSXMLError("empty document") }
        guard data.count <= maxBytes else { throw MNSXMLError("document of \(data.count) bytes is too large") }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder()
        parser.delegate = builder
        let finished = parser.parse()
        if let error = builder.failure ?? parser.parserError.map({ MNSXMLError("\($0)") }) { throw error }
        guard finished, let root = builder.root, builder.stack.isEmpty else {
            throw MNSXMLError("document ended before its root element closed")
        }
        return root
    }

    /// Escapes text for an element body (receipt handles in a BatchDeleteMessage body).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The single-pass delegate: a stack of open elements; closing one appends it to its parent.
    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [MNSXMLElement] = []
        var root: MNSXMLElement?
        var failure: MNSXMLError?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            guard root == nil else {
                failure = MNSXMLError("content after the root element")
                parser.abortParsing()
                return
            }
            stack.append(MNSXMLElement(name: Self.localName(elementName), text: "", children: []))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            guard let element = stack.popLast() else {
                failure = MNSXMLError("closing tag without an open element")
                parser.abortParsing()
                return
            }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if failure == nil { failure = MNSXMLError("\(parseError)") }
        }

        static func localName(_ name: String) -> String {
            guard let colon = name.lastIndex(of: ":") else { return name }
            return String(name[name.index(after: colon)...])
        }
    }
}

struct MNSXMLError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

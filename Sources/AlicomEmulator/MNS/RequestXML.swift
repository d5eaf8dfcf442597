import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed request body: element names (namespace dropped), text, children.
struct XMLNode {
    var name: String
    var text = ""
    var children: [XMLNode] = []

    func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }
}

/// Parses the small XML bodies clients send (`ReceiptHandles`, `Message`, `Messages`).
///
/// Foundation's parser on Linux reports success for a truncated document, so the delegate also
/// checks that the root element closed; anything else is `MalformedXML`, as MNS answers.
enum RequestXML {
    static func parse(_ data: Data) -> XMLNode? {
        let delegate = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = delegate
        let ok = parser.parse()
        guard ok, parser.parserError == nil, !delegate.failed, let root = delegate.root else { return nil }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?
        var failed = false

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if root != nil { failed = true }
            stack.append(XMLNode(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?) {
            guard let node = stack.popLast() else { failed = true; return }
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            failed = true
        }
    }
}

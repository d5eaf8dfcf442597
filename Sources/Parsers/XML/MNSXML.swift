/// A parsed MNS XML document, reduced to what the answers contain: elements with local names,
/// text and children. Namespaces and prefixes are dropped, element order is kept but nobody depends
/// on it (MNS answers use `…/doc/v1` without a slash, requests `…/doc/v1/`, and a proxy may reorder).
package struct MNSXMLElement: Sendable, Equatable {
    package var name: String
    package var text: String
    package var children: [MNSXMLElement]

    /// The text of the first child with this local name.
    package func childText(_ name: String) -> String? {
        children.first { $0.name == name }?.text
    }

    package func children(named name: String) -> [MNSXMLElement] {
        children.filter { $0.name == name }
    }
}

package enum MNSXML {
    /// The largest document accepted; far above a full 16-message batch.
    static let maxBytes = 16 << 20

    /// Parses a whole document in one pass over its bytes (see `MNSXMLParser` for why not `XMLParser`).
    /// Fails, rather than returning a partial tree, on anything that is not one complete, well-formed
    /// document: a truncated answer must never read as a shorter batch.
    package static func parse(_ data: some Collection<UInt8>) throws(MNSXMLError) -> MNSXMLElement {
        guard !data.isEmpty else { throw MNSXMLError("empty document") }
        guard data.count <= maxBytes else { throw MNSXMLError("document of \(data.count) bytes is too large") }
        // The closures rethrow untyped errors, so the typed failure travels out as a value.
        let read = { (bytes: UnsafeRawBufferPointer) -> Result<MNSXMLElement, MNSXMLError> in
            var parser = MNSXMLParser(bytes)
            do throws(MNSXMLError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        let result = data.withContiguousStorageIfAvailable { read(UnsafeRawBufferPointer($0)) }
            ?? Array(data).withUnsafeBytes(read)
        return try result.get()
    }

    /// Escapes text for an element body (receipt handles in a BatchDeleteMessage body).
    ///
    /// Works on UTF-8 bytes: the five special characters are ASCII and never part of a multi-byte
    /// sequence, so the text is sized once and copied without walking grapheme clusters. (The
    /// `Character` loop this replaced left `&` unescaped when a combining mark followed it, since the
    /// two form one `Character`; receipt handles are base64, so that never reached MNS.)
    package static func escape(_ text: String) -> String {
        var extra = 0
        for byte in text.utf8 {
            switch byte {
            case .ampersand: extra += 4
            case .lessThan, .greaterThan: extra += 3
            case .quote, .apostrophe: extra += 5
            default: break
            }
        }
        guard extra > 0 else { return text }
        return String(unsafeUninitializedCapacity: text.utf8.count + extra) { out in
            var count = 0
            func write(_ replacement: StaticString) {
                replacement.withUTF8Buffer { bytes in
                    for byte in bytes {
                        out[count] = byte
                        count += 1
                    }
                }
            }
            for byte in text.utf8 {
                switch byte {
                case .ampersand: write("&amp;")
                case .lessThan: write("&lt;")
                case .greaterThan: write("&gt;")
                case .quote: write("&quot;")
                case .apostrophe: write("&apos;")
                default:
                    out[count] = byte
                    count += 1
                }
            }
            return count
        }
    }
}

package struct MNSXMLError: Error, CustomStringConvertible {
    package var description: String
    /// The byte where reading stopped, when one is known: lets a reader that recovers single
    /// messages from a broken answer say where in the answer, and whether inside a body.
    package var offset: Int?
    init(_ description: String, offset: Int? = nil) {
        self.description = description
        self.offset = offset
    }
}

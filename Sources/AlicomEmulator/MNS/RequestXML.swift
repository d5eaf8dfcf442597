import Parsers
import AlibabaCloud
import Foundation

/// The small XML bodies clients send (`ReceiptHandles`, `Message`, `Messages`), read by the same
/// strict byte-level reader the client uses for MNS answers.
///
/// FoundationXML's `XMLParser` did this before. It and the `NSString` trimming of each handle were a
/// large share of the emulator's CPU (Benchmarks/README.md, "Fifth round"), on a path the protocol
/// ceiling measures; and on Linux it reported success for some truncated documents and crashed the process on
/// a few malformed inputs (see `MNSXMLParser`), which a server must survive. Anything the reader
/// refuses is `MalformedXML`, as MNS answers.
enum RequestXML {
    static func parse(_ data: Data) -> MNSXMLElement? {
        // `Parsers.` because this module has an `MNSXML` of its own: the answers it writes.
        try? Parsers.MNSXML.parse(data)
    }
}

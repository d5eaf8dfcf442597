import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A BatchReceiveMessage answer with 16 receipts, as MNS (and the emulator) send it.
enum BatchReceiveSample {
    static let document: Data = {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="http://mns.aliyuncs.com/doc/v1/">"#
        for index in 0..<16 {
            xml += "<Message><MessageId>5F290C926D472878-2-14D9529A8FA-20000000\(index)</MessageId>"
                + "<ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItMTA=\(index)</ReceiptHandle>"
                + "<MessageBodyMD5>C5DD56A39F5F7BB8B3337C6D11B6D8C7</MessageBodyMD5>"
                + "<MessageBody>\(ReceiptSample.base64Body)</MessageBody>"
                + "<EnqueueTime>1250700979248</EnqueueTime><NextVisibleTime>1250700799348</NextVisibleTime>"
                + "<FirstDequeueTime>1250700779318</FirstDequeueTime><DequeueCount>1</DequeueCount>"
                + "<Priority>8</Priority></Message>"
        }
        return Data((xml + "</Messages>").utf8)
    }()

    /// Element texts through FoundationXML's SAX parser: the floor under any tree built from it.
    static func parseWithXMLParser(_ data: Data) -> Int {
        let parser = XMLParser(data: data)
        let collector = TextCollector()
        parser.delegate = collector
        _ = parser.parse()
        return collector.fields
    }

    /// The same fields by scanning bytes for `<Name>` … `</`: no parser, no per-callback strings.
    static func scan(_ data: Data) -> Int {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Int in
            var fields = 0
            var index = 0
            let count = bytes.count
            while index < count {
                guard bytes[index] == UInt8(ascii: "<") else { index += 1; continue }
                var end = index + 1
                while end < count && bytes[end] != UInt8(ascii: ">") { end += 1 }
                let isClosing = index + 1 < count && bytes[index + 1] == UInt8(ascii: "/")
                if !isClosing, end + 1 < count, bytes[end + 1] != UInt8(ascii: "<") {
                    var close = end + 1
                    while close < count && bytes[close] != UInt8(ascii: "<") { close += 1 }
                    blackHoleBytes(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(end + 1)..<close]),
                                          as: UTF8.self))
                    fields += 1
                    index = close
                } else {
                    index = end + 1
                }
            }
            return fields
        }
    }

    @inline(never)
    private static func blackHoleBytes(_ text: String) {
        _ = text.utf8.count
    }
}

private final class TextCollector: NSObject, XMLParserDelegate {
    var fields = 0
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if !text.isEmpty { fields += 1 }
        text = ""
    }
}

@testable import AlibabaCloud
@testable import Parsers
import Foundation
import Testing

/// The byte-level reader that replaced FoundationXML's `XMLParser` on the receive path: what it builds
/// from the documents MNS sends, and what it refuses (every class of malformed input, each with the
/// error that names it).
@Suite("Reading MNS XML without XMLParser")
struct MNSXMLParserTests {
    private func parse(_ text: String) throws(MNSXMLError) -> MNSXMLElement {
        try MNSXML.parse(Data(text.utf8))
    }

    /// The error `bytes` are rejected with, failing the test if they were accepted.
    private func rejection(_ bytes: Data) -> String? {
        let error = #expect(throws: MNSXMLError.self) { try MNSXML.parse(bytes) }
        return error?.description
    }

    private func rejection(_ text: String) -> String? {
        rejection(Data(text.utf8))
    }

    private func leaf(_ name: String, _ text: String = "") -> MNSXMLElement {
        MNSXMLElement(name: name, text: text, children: [])
    }

    // MARK: - What MNS sends

    /// A BatchReceiveMessage answer as MNS (and the emulator) write it: declaration, namespace, no
    /// whitespace between elements, base64 bodies, handles with `+`, `/` and `=`. Sixteen messages, the
    /// most one receive returns, unless a test needs fewer.
    private static func sixteenMessageAnswer(count: Int = 16) -> (xml: String, bodies: [String], handles: [String]) {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
            + #"<Messages xmlns="http://mns.aliyuncs.com/doc/v1">"#
        var bodies: [String] = []
        var handles: [String] = []
        for index in 0..<count {
            let json = #"{"phone_number":"13800138000","success":true,"err_msg":"用户接收成功","#
                + #""out_id":"order-\#(index)"}"#
            let body = Data(json.utf8).base64EncodedString()
            let handle = "\(index % 3 + 1)-ODU4OTkzNDU5NS0xNzA5NjE4ODIx+LTItOA/\(index)=="
            bodies.append(body)
            handles.append(handle)
            xml += "<Message><MessageId>5F290C926D472878-2-18E0B9A6C5A-2000000\(10 + index)</MessageId>"
                + "<MessageBodyMD5>\(MNSSignature.messageBodyMD5(body))</MessageBodyMD5>"
                + "<MessageBody>\(body)</MessageBody><ReceiptHandle>\(handle)</ReceiptHandle>"
                + "<EnqueueTime>1709618821000</EnqueueTime><FirstDequeueTime>1709618821120</FirstDequeueTime>"
                + "<NextVisibleTime>1709618851000</NextVisibleTime><DequeueCount>\(index % 3 + 1)</DequeueCount>"
                + "<Priority>8</Priority></Message>"
        }
        return (xml + "</Messages>", bodies, handles)
    }

    @Test("a 16-message answer yields all 16 messages in order, with every field's text")
    func sixteenMessages() throws {
        let answer = Self.sixteenMessageAnswer()
        let root = try parse(answer.xml)
        #expect(root.name == "Messages")
        #expect(root.text == "")
        let messages = root.children(named: "Message")
        try #require(messages.count == 16)
        #expect(root.children.count == 16)
        #expect(messages.map { $0.childText("MessageBody") } == answer.bodies)
        #expect(messages.map { $0.childText("ReceiptHandle") } == answer.handles)
        #expect(messages[15].childText("MessageId") == "5F290C926D472878-2-18E0B9A6C5A-200000025")
        #expect(messages[0].children.map(\.name) == [
            "MessageId", "MessageBodyMD5", "MessageBody", "ReceiptHandle", "EnqueueTime", "FirstDequeueTime",
            "NextVisibleTime", "DequeueCount", "Priority",
        ])
    }

    @Test("the decoder reads the same 16 messages through the new parser, every body verified")
    func sixteenMessagesDecoded() throws {
        let answer = Self.sixteenMessageAnswer()
        let messages = try MNSDecoding.messages(Data(answer.xml.utf8))
        #expect(messages.count == 16)
        #expect(messages.map(\.receiptHandle.rawValue) == answer.handles)
        #expect(messages.allSatisfy { $0.integrity == .verified })
        #expect(messages.map(\.dequeueCount) == (0..<16).map { $0 % 3 + 1 })
    }

    @Test("the five predefined entities and decimal and hex character references are decoded")
    func entitiesAndCharacterReferences() throws {
        let root = try parse("<a>&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#x63;&#128512;&#x1F600;</a>")
        #expect(root.text == "<b> & \"c\" 'd' ABc😀😀")
    }

    @Test("a tab, line feed or carriage return may be written as a character reference and is kept")
    func whitespaceReferences() throws {
        #expect(try parse("<a>&#9;&#10;&#13;</a>").text == "\t\n\r")
    }

    @Test("a CDATA section is text: markup and references inside it are not interpreted")
    func cdata() throws {
        let root = try parse("<a>x<![CDATA[<b>&amp;</b> ]] ]>]]>y<![CDATA[]]></a>")
        #expect(root == leaf("a", "x<b>&amp;</b> ]] ]>y"))
    }

    @Test("the XML declaration, comments and processing instructions are read and dropped")
    func declarationCommentsAndInstructions() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8" standalone="yes"?>
            <!-- before the root --><?pi some data?>
            <a>x<!-- inside -->y<?target data ?>z<!---->w</a>
            <!-- after the root --><?after?>

            """
        #expect(try parse(xml) == leaf("a", "xyzw"))
    }

    @Test("a processing instruction without data is accepted (it crashed XMLParser on Linux)")
    func processingInstructionWithoutData() throws {
        #expect(try parse("<a><?pi?></a>") == leaf("a"))
    }

    @Test("prefixes are dropped from element names once their declaration is checked")
    func prefixedNames() throws {
        let xml = #"<m:Messages xmlns:m="urn:other" xmlns="http://mns.aliyuncs.com/doc/v1"><m:Message m:x='1'>"#
            + #"<m:MessageId>id</m:MessageId><Plain/></m:Message></m:Messages>"#
        let expected = MNSXMLElement(name: "Messages", text: "", children: [
            MNSXMLElement(name: "Message", text: "", children: [leaf("MessageId", "id"), leaf("Plain")]),
        ])
        #expect(try parse(xml) == expected)
    }

    @Test("self-closing elements are empty children, with or without whitespace and attributes")
    func selfClosing() throws {
        let root = try parse(#"<a><b/><c /><d x="1" y='2'/></a>"#)
        #expect(root == MNSXMLElement(name: "a", text: "", children: [leaf("b"), leaf("c"), leaf("d")]))
    }

    @Test("a name that begins like an earlier one is read in full, not taken for it")
    func namesSharingAPrefix() throws {
        let root = try parse(#"<a><ab/><a/><a:b xmlns:a="urn:a"/><a"# + "\n" + #"/><ab></ab></a>"#)
        #expect(root.children.map(\.name) == ["ab", "a", "b", "a", "ab"])
        #expect(rejection("<a><ab></a></a>") == "</a> does not close <ab> at byte 7")
    }

    @Test("whitespace is allowed inside tags and around '=' in attributes")
    func whitespaceInsideTags() throws {
        let root = try parse("<a ><b\n x = \"1\"\t>t</b\n></a >")
        #expect(root == MNSXMLElement(name: "a", text: "", children: [leaf("b", "t")]))
    }

    @Test("text around children is joined in document order; whitespace between elements is kept")
    func mixedContent() throws {
        let root = try parse("<a>one<b>two</b>three\n  <c/>four</a>")
        #expect(root.text == "onethree\n  four")
        #expect(root.children == [leaf("b", "two"), leaf("c")])
    }

    @Test("line ends are normalised to a line feed, in text and in CDATA")
    func lineEnds() throws {
        #expect(try parse("<a>x\r\ny\rz<![CDATA[\r\n]]></a>\r\n").text == "x\ny\nz\n")
    }

    @Test("a UTF-8 byte-order mark before the document is skipped")
    func byteOrderMark() throws {
        #expect(try MNSXML.parse(Data([0xEF, 0xBB, 0xBF]) + Data("<a>é</a>".utf8)) == leaf("a", "é"))
    }

    @Test("256 nested elements are read; the tree is as deep as the document")
    func deepestAccepted() throws {
        var element = try parse(String(repeating: "<a>", count: 256) + "x" + String(repeating: "</a>", count: 256))
        var depth = 1
        while let child = element.children.first {
            element = child
            depth += 1
        }
        #expect(depth == MNSXMLParser.maxDepth)
        #expect(element.text == "x")
    }

    // MARK: - Refused: incomplete documents

    @Test("every truncation of a batch answer is refused, never read as a shorter batch")
    func everyTruncationRefused() {
        let bytes = Array(Self.sixteenMessageAnswer(count: 3).xml.utf8)
        let accepted = (0..<bytes.count).filter { (try? MNSXML.parse(Data(bytes[0..<$0]))) != nil }
        #expect(accepted.isEmpty, "accepted prefixes of lengths \(accepted.prefix(5))")
    }

    @Test("empty input and a document without a root element are refused", arguments: [
        ("", "empty document"),
        (" \n", "no root element"),
        (#"<?xml version="1.0"?><!-- nothing else -->"#, "no root element"),
    ])
    func noRoot(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("a document over 16 MiB is refused before it is read")
    func oversized() {
        #expect(rejection(Data(repeating: 0x20, count: MNSXML.maxBytes + 1))
            == "document of 16777217 bytes is too large")
    }

    @Test("a document cut inside a construct names it", arguments: [
        ("<Messages><Message>", "document ended inside <Message> (19 bytes)"),
        ("<a", "document ended inside the start tag at byte 0 (2 bytes)"),
        ("<a>x</a", "document ended inside the end tag at byte 4 (7 bytes)"),
        (#"<a x="1"#, "document ended inside the attribute value at byte 5 (7 bytes)"),
        ("<a><!-- x", "document ended inside the comment at byte 3 (9 bytes)"),
        ("<a><![CDATA[x]]", "document ended inside the CDATA section at byte 3 (15 bytes)"),
        ("<a><?pi x?", "document ended inside the processing instruction at byte 3 (10 bytes)"),
        ("<a>&am", "document ended inside an entity reference (6 bytes)"),
        ("<a>&#6", "document ended inside a character reference (6 bytes)"),
    ])
    func truncated(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    // MARK: - Refused: structure

    @Test("mismatched, crossed or unclosed tags are refused", arguments: [
        ("<a></b>", "</b> does not close <a> at byte 3"),
        ("<a></A>", "</A> does not close <a> at byte 3"),
        ("<a><b></a></b>", "</a> does not close <b> at byte 6"),
        ("<Messages><Message></Messages>", "</Messages> does not close <Message> at byte 19"),
        (#"<p:a xmlns:p="urn:x" xmlns:q="urn:x"></q:a>"#, "</q:a> does not close <p:a> at byte 37"),
    ])
    func mismatchedTags(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("a closing tag with no open element is refused", arguments: [
        ("</a>", "closing tag without an open element at byte 0"),
        ("<a></a></a>", "closing tag without an open element at byte 7"),
    ])
    func closingWithoutOpen(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("anything but whitespace, comments and PIs after the root is refused", arguments: [
        ("<Messages></Messages><Messages></Messages>", "content after the root element at byte 21"),
        ("<a/>junk", "content after the root element at byte 4"),
        ("<a/><![CDATA[x]]>", "content after the root element at byte 4"),
        ("<a/>&amp;", "content after the root element at byte 4"),
    ])
    func contentAfterRoot(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("text before the root is refused", arguments: [
        ("not xml", "text before the root element at byte 0"),
        ("\n x<a/>", "text before the root element at byte 2"),
    ])
    func textBeforeRoot(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("a DOCTYPE is refused, so no entity can be declared and expanded")
    func doctypeRefused() {
        #expect(rejection("<!DOCTYPE a><a/>") == "DOCTYPE is not accepted at byte 0")
        #expect(rejection(#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "boom">]><a>&e;</a>"#)
            == "DOCTYPE is not accepted at byte 21")
    }

    @Test("nesting deeper than 256 is refused, and a very deep document does not exhaust the stack")
    func tooDeep() {
        let deeper = String(repeating: "<a>", count: 257) + String(repeating: "</a>", count: 257)
        #expect(rejection(deeper) == "elements nested deeper than 256 at byte 768")
        let hostile = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        #expect(rejection(hostile) == "elements nested deeper than 256 at byte 768")
    }

    @Test("the XML declaration must come first, be version 1.0 and say UTF-8 if it names an encoding",
          arguments: [
        (#" <?xml version="1.0"?><a/>"#, "XML declaration not at the start of the document at byte 1"),
        (#"<?xml encoding="UTF-8"?><a/>"#, "XML declaration without a version at byte 0"),
        (#"<?xml version="1.1"?><a/>"#, "XML version 1.1 is not 1.0 at byte 15"),
        (#"<?xml version="1.0" encoding="ISO-8859-1"?><a/>"#,
         "encoding ISO-8859-1 is not accepted (UTF-8 only) at byte 30"),
        (#"<a><?xml version="1.0"?></a>"#, "XML declaration not at the start of the document at byte 3"),
    ])
    func declaration(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("comments may not contain '--' and text may not contain ']]>'")
    func commentAndCDATAEnds() {
        #expect(rejection("<a><!-- x -- y --></a>") == "'--' inside a comment at byte 10")
        #expect(rejection("<a>]]></a>") == "']]>' in text at byte 3")
    }

    // MARK: - Refused: characters and references

    @Test("invalid UTF-8 is refused wherever it appears", arguments: [
        [0x3C, 0x61, 0x3E, 0xC0, 0x80, 0x3C, 0x2F, 0x61, 0x3E],          // overlong NUL in text
        [0x3C, 0x61, 0x3E, 0xED, 0xA0, 0x80, 0x3C, 0x2F, 0x61, 0x3E],    // encoded surrogate
        [0x3C, 0x61, 0x3E, 0xF4, 0x90, 0x80, 0x80, 0x3C, 0x2F, 0x61, 0x3E],  // above U+10FFFF
        [0x3C, 0x61, 0x3E, 0xE4, 0xB8, 0x3C, 0x2F, 0x61, 0x3E],          // sequence cut short
        [0x3C, 0x61, 0x62, 0xE4, 0x63, 0x2F, 0x3E],                      // inside a name (crashed XMLParser)
        [0x3C, 0x61, 0x3E, 0x3C, 0x21, 0x2D, 0x2D, 0xFF, 0x2D, 0x2D, 0x3E, 0x3C, 0x2F, 0x61, 0x3E],  // in a comment
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        let error = rejection(Data(bytes))
        #expect(error?.hasPrefix("invalid UTF-8 at byte ") == true, "\(error ?? "accepted")")
    }

    @Test("control characters and the non-characters U+FFFE and U+FFFF are refused", arguments: [
        ("<a>\u{0}</a>", "control character 0x0 in the document at byte 3"),
        ("<a>\u{1}</a>", "control character 0x1 in the document at byte 3"),
        ("<a x=\"\u{8}\"/>", "control character 0x8 in the document at byte 6"),
        ("<a>\u{FFFE}</a>", "non-character U+FFFE at byte 3"),
    ])
    func controlCharacters(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("an entity other than the five predefined ones is refused", arguments: [
        ("<a>&nbsp;</a>", "unknown entity &nbsp; at byte 3"),
        (#"<a x="&foo;"/>"#, "unknown entity &foo; at byte 6"),
        ("<a>& b</a>", "'&' not followed by a reference at byte 3"),
        ("<a>&amp</a>", "'&' not followed by a reference at byte 3"),
    ])
    func unknownEntities(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("a character reference must be well-formed and name a character XML allows", arguments: [
        ("<a>&#0;</a>", "character reference to U+0, which XML does not allow at byte 3"),
        ("<a>&#xD800;</a>", "character reference to U+D800, which XML does not allow at byte 3"),
        ("<a>&#xFFFF;</a>", "character reference to U+FFFF, which XML does not allow at byte 3"),
        ("<a>&#x110000;</a>", "character reference to beyond U+10FFFF, which XML does not allow at byte 3"),
        ("<a>&#99999999999999999999;</a>",
         "character reference to beyond U+10FFFF, which XML does not allow at byte 3"),
        ("<a>&#;</a>", "malformed character reference at byte 3"),
        ("<a>&#X41;</a>", "malformed character reference at byte 3"),
        ("<a>&#12a;</a>", "malformed character reference at byte 3"),
    ])
    func characterReferences(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    // MARK: - Refused: attributes and names

    @Test("attribute values must be quoted, free of '<', and each name used once", arguments: [
        ("<a x=1/>", "attribute value without quotes at byte 5"),
        (#"<a x="<"/>"#, "'<' in an attribute value at byte 6"),
        ("<a x='a<b'/>", "'<' in an attribute value at byte 7"),
        ("<a x/>", "expected '=' after an attribute name at byte 4"),
        (#"<a x="1"y="2"/>"#, "expected whitespace before an attribute at byte 8"),
        (#"<a x="1" x="2"/>"#, "duplicate attribute x at byte 9"),
        (#"<a xmlns="urn:u" xmlns="urn:v"/>"#, "duplicate attribute xmlns at byte 17"),
    ])
    func attributes(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    @Test("a prefix must be declared and a name may not start or end with ':'", arguments: [
        ("<m:a/>", "undeclared namespace prefix m at byte 1"),
        (#"<a x:y="1"/>"#, "undeclared namespace prefix x at byte 3"),
        (#"<a><b:c xmlns:b="urn:b"/><b:c/></a>"#, "undeclared namespace prefix b at byte 26"),
        ("<a:b:c/>", "malformed name at byte 1"),
        ("<:a/>", "malformed name at byte 1"),
        ("<1a/>", "expected an element name at byte 1"),
    ])
    func names(text: String, expected: String) {
        #expect(rejection(text) == expected)
    }

    // MARK: - Escaping

    @Test("escape writes the five entities and copies everything else byte for byte")
    func escape() {
        #expect(MNSXML.escape("a<b&c>\"d'") == "a&lt;b&amp;c&gt;&quot;d&apos;")
        #expect(MNSXML.escape("1-ODU4OTkzNDU5NS0xNzA5NjE4ODIx+LTItOA==") == "1-ODU4OTkzNDU5NS0xNzA5NjE4ODIx+LTItOA==")
        #expect(MNSXML.escape("用户&接收 😀") == "用户&amp;接收 😀")
        #expect(MNSXML.escape("") == "")
    }

    @Test("a special character followed by a combining mark is still escaped")
    func escapeBeforeCombiningMark() throws {
        // "&\u{301}" is one Character, which the old Character-by-Character switch never matched.
        #expect(MNSXML.escape("a&\u{301}<\u{301}") == "a&amp;\u{301}&lt;\u{301}")
        #expect(try parse("<h>\(MNSXML.escape("a&\u{301}<\u{301}"))</h>").text == "a&\u{301}<\u{301}")
    }

    @Test("escaped text reads back as the original")
    func escapeRoundTrip() throws {
        for text in ["a<b&c", "<>&\"'", "'\"'\"", "用&<成功>", "tab\tand newline\n", "&amp; stays &amp;"] {
            #expect(try parse("<h>\(MNSXML.escape(text))</h>").text == text)
        }
    }
}

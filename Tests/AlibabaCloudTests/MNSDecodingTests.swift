@testable import AlibabaCloud
import Parsers
import Foundation
import Testing

@Suite("Reading MNS answers")
struct MNSDecodingTests {
    @Test("a batch answer yields every message with its fields")
    func batchReceiveCanned() throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_16_waitseconds_sts_userrequestid")
        let canned = try #require(vector.cannedResponse)
        let messages = try MNSDecoding.messages(Data(canned.body.utf8))
        #expect(messages.count == 2)
        #expect(messages.map(\.messageId) == ["5F290C926D472878-2-18E0B9A6C5A-200000002",
                                              "5F290C926D472878-2-18E0B9A6C5A-200000003"])
        #expect(messages[1].receiptHandle == ReceiptHandle("1-ODU4OTkzNDU5NS0xNzA5NjE4ODIxLTItOA=="))
        #expect(messages[1].dequeueCount == 2)
        #expect(messages[0].priority == 8)
        #expect(messages[0].enqueueTime == Date(timeIntervalSince1970: 1_709_618_821))
        #expect(messages[0].firstDequeueTime == Date(timeIntervalSince1970: 1_709_618_821.12))
        #expect(messages[0].nextVisibleTime == Date(timeIntervalSince1970: 1_709_618_851))
        #expect(messages.allSatisfy { $0.integrity == .verified })
    }

    @Test("the body stays base64 text, exactly as MNS sent it")
    func bodyIsNotDecoded() throws {
        let vector = try SignatureVectors.mns("mns_receive_message_waitseconds_sts")
        let canned = try #require(vector.cannedResponse)
        let message = try #require(try MNSDecoding.messages(Data(canned.body.utf8)).first)
        #expect(message.body.hasPrefix("eyJwaG9uZV9udW1iZXIi"))
        let json = try #require(Data(base64Encoded: message.body))
        #expect(String(decoding: json, as: UTF8.self).contains("\"biz_id\":\"900619746936498440^0\""))
    }

    @Test("a single <Message> root is read as a batch of one")
    func singleMessageRoot() throws {
        let vector = try SignatureVectors.mns("mns_receive_message_no_token")
        let canned = try #require(vector.cannedResponse)
        #expect(try MNSDecoding.messages(Data(canned.body.utf8)).count == 1)
    }

    @Test("element order, namespace prefixes and whitespace do not matter")
    func orderAndNamespaceIndependent() throws {
        let body = "SSBhbSDmtYvor5XlrZfnrKbkuLIu"
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <m:Messages xmlns:m="urn:other">
              <m:Message>
                <m:Priority>10</m:Priority>
                <m:DequeueCount> 3 </m:DequeueCount>
                <m:ReceiptHandle>
                  handle-1
                </m:ReceiptHandle>
                <m:MessageBody>\(body)</m:MessageBody>
                <m:MessageBodyMD5>a9b134c465c384f49eb89a6e3870d996</m:MessageBodyMD5>
                <m:MessageId>id-1</m:MessageId>
              </m:Message>
            </m:Messages>
            """
        let message = try #require(try MNSDecoding.messages(Data(xml.utf8)).first)
        #expect(message.messageId == "id-1")
        #expect(message.receiptHandle.rawValue == "handle-1")
        #expect(message.dequeueCount == 3)
        #expect(message.integrity == .verified)
        #expect(message.enqueueTime == nil)
    }

    @Test("a body that does not match its MD5 marks only that message corrupt")
    func md5MismatchMarksMessage() throws {
        let xml = """
            <Messages><Message><MessageId>good</MessageId><ReceiptHandle>h1</ReceiptHandle>\
            <MessageBody>SSBhbSDmtYvor5XlrZfnrKbkuLIu</MessageBody>\
            <MessageBodyMD5>A9B134C465C384F49EB89A6E3870D996</MessageBodyMD5></Message>\
            <Message><MessageId>bad</MessageId><ReceiptHandle>h2</ReceiptHandle>\
            <MessageBody>SSBhbSDmtYvor5XlrZfnrKbkuLIX</MessageBody>\
            <MessageBodyMD5>A9B134C465C384F49EB89A6E3870D996</MessageBodyMD5></Message></Messages>
            """
        let messages = try MNSDecoding.messages(Data(xml.utf8))
        #expect(messages.map(\.isCorrupt) == [false, true])
    }

    @Test("entities in a body are decoded and not trimmed")
    func entitiesKept() throws {
        let xml = "<Message><MessageId>i</MessageId><ReceiptHandle>h</ReceiptHandle>"
            + "<MessageBody>&lt;hello&gt; &amp; world</MessageBody></Message>"
        let message = try #require(try MNSDecoding.messages(Data(xml.utf8)).first)
        #expect(message.body == "<hello> & world")
        #expect(message.integrity == .unverified)
    }

    @Test("a truncated document is rejected, not read as a shorter batch")
    func truncatedRejected() throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_16_waitseconds_sts_userrequestid")
        let full = try #require(vector.cannedResponse).body
        for cut in [full.count / 2, full.count - 12, full.count - 1] {
            let truncated = Data(full.utf8.prefix(cut))
            let error = #expect(throws: AlibabaError.self) { try MNSDecoding.messages(truncated) }
            #expect(error?.kind == .malformedResponse)
        }
        #expect(throws: AlibabaError.self) { try MNSDecoding.messages(Data("<Messages><Message>".utf8)) }
    }

    @Test("malformed XML, empty bodies and foreign roots are rejected")
    func malformedRejected() {
        for text in ["", "not xml", "<Messages><Message></Messages>", "<html><body>502</body></html>",
                     "<Messages></Messages><Messages></Messages>"] {
            #expect(throws: AlibabaError.self, "\(text)") { try MNSDecoding.messages(Data(text.utf8)) }
        }
    }

    @Test("a message without MessageId or ReceiptHandle makes the answer malformed")
    func missingRequiredField() {
        let xml = "<Messages><Message><MessageId>i</MessageId><MessageBody>x</MessageBody></Message></Messages>"
        #expect(throws: AlibabaError.self) { try MNSDecoding.messages(Data(xml.utf8)) }
    }

    @Test("the empty-queue answer is a MessageNotExist error document")
    func emptyQueueError() throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_empty_queue_404")
        let parsed = try #require(MNSDecoding.serviceError(try vector.cannedBody()))
        #expect(parsed.code == "MessageNotExist")
        #expect(parsed.requestId == "65E6B6A5E1A4D1F0A1B2C3DA")
    }

    @Test("a partial-delete answer lists the failed handles with their codes")
    func partialDeleteErrors() throws {
        let vector = try SignatureVectors.mns("mns_batch_delete_xml_body_partial_failure")
        let errors = try #require(MNSDecoding.deleteErrors(try vector.cannedBody()))
        #expect(errors.count == 1)
        #expect(errors.first?.code == "ReceiptHandleError")
        #expect(errors.first?.handle == ReceiptHandle("1-ODU4OTkzNDU5NS0xNzA5NjE4ODIxLTItOA=="))
    }

    @Test("the visibility answer carries the new handle")
    func changedVisibility() throws {
        let vector = try SignatureVectors.mns("mns_change_message_visibility")
        let changed = try MNSDecoding.changedVisibility(try vector.cannedBody())
        #expect(changed.handle == ReceiptHandle("8-0zxjHBaWtzPz8zphz0z6OGz5yWWidU1fQ2"))
        #expect(changed.nextVisibleTime == Date(timeIntervalSince1970: 1_709_618_888))
    }

    @Test("handles with XML-special characters are escaped in the delete body")
    func deleteBodyEscapes() throws {
        let body = MNSDecoding.receiptHandlesBody([ReceiptHandle("a<b&c")])
        let root = try MNSXML.parse(body)
        #expect(root.childText("ReceiptHandle") == "a<b&c")
    }

    @Test("a handle is sent verbatim unless it would change the URL's meaning")
    func handleQueryValue() {
        #expect(ReceiptHandle("1-ODU4OTkzNDU5My0x+NzA5/NjE4ODIx==").queryValue == "1-ODU4OTkzNDU5My0x+NzA5/NjE4ODIx==")
        #expect(ReceiptHandle("a&b c").queryValue == "a%26b%20c")
    }
}

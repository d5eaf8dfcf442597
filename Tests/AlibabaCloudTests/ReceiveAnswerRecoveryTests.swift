@testable import AlibabaCloud
import Foundation
import Testing

/// Issue 14, part 2: one unreadable `<Message>` must not make its neighbours unreadable.
@Suite("Reading a receive answer message by message")
struct ReceiveAnswerRecoveryTests {
    static let md5 = "A9B134C465C384F49EB89A6E3870D996"
    static let body = "SSBhbSDmtYvor5XlrZfnrKbkuLIu"

    static func message(_ id: String, handle: String, body: String = body) -> String {
        "<Message><MessageId>\(id)</MessageId><ReceiptHandle>\(handle)</ReceiptHandle>"
            + "<MessageBodyMD5>\(md5)</MessageBodyMD5><MessageBody>\(body)</MessageBody><DequeueCount>1</DequeueCount></Message>"
    }

    static func answer(_ messages: [String]) -> String {
        "<?xml version=\"1.0\" ?>\n<Messages xmlns=\"http://mns.aliyuncs.com/doc/v1\">" + messages.joined() + "</Messages>"
    }

    @Test("a forbidden character in one body leaves the other messages readable and its handle recoverable")
    func forbiddenCharacterIsLocal() throws {
        let badBody = "SSBhbSDm\u{01}tYvor5XlrZfnrKbkuLIu"
        let text = Self.answer([Self.message("m1", handle: "h1"), Self.message("m2", handle: "h2", body: badBody),
                                Self.message("m3", handle: "h3")])
        #expect(throws: AlibabaError.self, "the strict reader refuses it") { try MNSDecoding.messages(Data(text.utf8)) }

        let answer = try MNSDecoding.receiveAnswer(Data(text.utf8))
        #expect(answer.messages.map(\.messageId) == ["m1", "m3"])
        #expect(answer.messages.allSatisfy { $0.integrity == .verified && $0.body == Self.body })
        let bad = try #require(answer.unreadable.first)
        #expect(answer.unreadable.count == 1)
        #expect(bad.messageId == "m2")
        #expect(bad.receiptHandle == ReceiptHandle("h2"))
        #expect(bad.raw == Data(badBody.utf8), "the body's bytes as received")
        let offset = try #require(Array(text.utf8).firstIndex(of: 0x01))
        #expect(bad.reason == "MNS message body is not valid XML text: character U+0001 at byte \(offset)")
    }

    @Test("invalid UTF-8 in a body is named as such")
    func invalidUTF8InBody() throws {
        var bytes = Array(Self.answer([Self.message("m1", handle: "h1", body: "AAAA#BBBB")]).utf8)
        let hash = try #require(bytes.firstIndex(of: UInt8(ascii: "#")))
        bytes[hash] = 0xFF
        let answer = try MNSDecoding.receiveAnswer(Data(bytes))
        #expect(answer.messages.isEmpty)
        #expect(answer.unreadable.map(\.reason) == ["MNS message body is not valid XML text: invalid UTF-8 at byte \(hash)"])
        #expect(answer.unreadable.first?.receiptHandle == ReceiptHandle("h1"))
    }

    @Test("a message without a MessageId is unreadable on its own, with its handle")
    func missingMessageId() throws {
        let broken = "<Message><ReceiptHandle>h2</ReceiptHandle><MessageBody>\(Self.body)</MessageBody></Message>"
        let answer = try MNSDecoding.receiveAnswer(Data(Self.answer([Self.message("m1", handle: "h1"), broken]).utf8))
        #expect(answer.messages.map(\.messageId) == ["m1"])
        #expect(answer.unreadable.first?.receiptHandle == ReceiptHandle("h2"))
        #expect(answer.unreadable.first?.messageId == nil)
        #expect(answer.unreadable.first?.reason.contains("lacks <MessageId>") == true)
    }

    @Test("a handle that occurs twice in a broken message is not trusted")
    func ambiguousHandleIsNotRecovered() throws {
        let broken = "<Message><MessageId>m2</MessageId><ReceiptHandle>h2</ReceiptHandle>"
            + "<MessageBody>x\u{01}<ReceiptHandle>fake</ReceiptHandle></MessageBody></Message>"
        let answer = try MNSDecoding.receiveAnswer(Data(Self.answer([broken, Self.message("m3", handle: "h3")]).utf8))
        #expect(answer.messages.map(\.messageId) == ["m3"])
        #expect(answer.unreadable.count == 1)
        #expect(answer.unreadable.first?.receiptHandle == nil)
        #expect(answer.unreadable.first?.messageId == "m2")
    }

    @Test("a missing </Message> makes the whole answer unreadable, alone or with neighbours")
    func unclosedMessageFailsTheAnswer() {
        let unclosed = String(Self.message("m2", handle: "h2").dropLast("</Message>".count))
        for messages in [[unclosed], [Self.message("m1", handle: "h1"), unclosed],
                         [unclosed, Self.message("m3", handle: "h3")]] {
            #expect(throws: AlibabaError.self) { try MNSDecoding.receiveAnswer(Data(Self.answer(messages).utf8)) }
        }
    }

    @Test("a truncated answer with a broken message in it is still refused, never a shorter batch")
    func truncatedStillRefused() {
        let text = Self.answer([Self.message("m1", handle: "h1"), Self.message("m2", handle: "h2", body: "a\u{01}b"),
                                Self.message("m3", handle: "h3")])
        let bytes = Array(text.utf8)
        for cut in [bytes.count - 1, bytes.count - 12, bytes.count - 30] {
            #expect(throws: AlibabaError.self, "cut at \(cut)") { try MNSDecoding.receiveAnswer(Data(bytes[..<cut])) }
        }
        #expect(throws: AlibabaError.self) { try MNSDecoding.receiveAnswer(Data((text + "<x/>").utf8)) }
    }

    @Test("a broken single-message answer (ReceiveMessage) keeps its handle")
    func singleMessageRoot() throws {
        let text = "<?xml version=\"1.0\" ?>\n<Message xmlns=\"http://mns.aliyuncs.com/doc/v1\"><MessageId>m1</MessageId>"
            + "<ReceiptHandle>h1</ReceiptHandle><MessageBody>a\u{01}b</MessageBody></Message>"
        let answer = try MNSDecoding.receiveAnswer(Data(text.utf8))
        #expect(answer.messages.isEmpty)
        #expect(answer.unreadable.map(\.receiptHandle) == [ReceiptHandle("h1")])
    }

    @Test("an answer the strict reader accepts is read exactly as before")
    func readableAnswerUnchanged() throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_16_waitseconds_sts_userrequestid")
        let data = Data(try #require(vector.cannedResponse).body.utf8)
        let answer = try MNSDecoding.receiveAnswer(data)
        #expect(answer.messages == (try MNSDecoding.messages(data)))
        #expect(answer.unreadable.isEmpty)
    }

    @Test("an unreadable answer from the client is malformedResponse with code UnreadableAnswer")
    func clientMarksUnreadableAnswers() async throws {
        let unclosed = String(Self.message("m2", handle: "h2").dropLast("</Message>".count))
        let transport = ScriptedTransport([.xml(200, Self.answer([Self.message("m1", handle: "h1"), unclosed]))])
        let error = await #expect(throws: AlibabaError.self) {
            try await MNSClientTests.client(transport).batchReceive(queue: MNSClientTests.queue, max: 16, waitSeconds: 0)
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.code == AlibabaError.Code.unreadableAnswer)
    }
}

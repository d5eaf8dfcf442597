import AlibabaCloud
import Foundation
import RawHTTPClient
import Testing

/// What the emulator accepts in MNS request bodies and their `Content-MD5`, read by the byte-level
/// XML reader and the digest check that replaced FoundationXML and `NSString` trimming.
@Suite("MNS request bodies: XML forms, Content-MD5 encodings, request ids")
struct MNSRequestBodyTests {
    private static let body = "<Message><MessageBody>digest me</MessageBody></Message>"

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The 16 digest bytes themselves, base64 (RFC 1864), from the hex the signing code computes.
    private static func base64OfRawDigest(_ text: String) -> String {
        let hex = Array(MNSSignature.hexMD5(Data(text.utf8), uppercase: false).utf8)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        return Data(bytes).base64EncodedString()
    }

    @Test("Content-MD5 as base64 of the lower- or upper-case hex digest or of the raw 16 bytes is accepted",
          arguments: [
              base64(MNSSignature.hexMD5(Data(body.utf8), uppercase: false)),
              base64(MNSSignature.hexMD5(Data(body.utf8), uppercase: true)),
              base64OfRawDigest(body),
          ])
    func acceptedDigestEncodings(_ header: String) async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm,
                                                 body: Self.body, contentMD5: header)
            #expect(response.status == 201, "\(header): \(response.body)")
            let received = try await harness.receive(harness.upQueue, harness.longTerm)
            #expect(xmlValues("MessageBody", in: received.body) == ["digest me"])
        }
    }

    @Test("a Content-MD5 of other bytes, of mixed-case hex, of the wrong length or not base64 is InvalidDigest",
          arguments: [
              base64(MNSSignature.hexMD5(Data("other".utf8), uppercase: false)),
              base64(String(MNSSignature.hexMD5(Data(body.utf8), uppercase: false).prefix(16))
                     + MNSSignature.hexMD5(Data(body.utf8), uppercase: true).dropFirst(16)),
              base64(String(MNSSignature.hexMD5(Data(body.utf8), uppercase: false).dropLast())),
              base64OfRawDigest("other"),
              "not base64 at all!",
          ])
    func refusedDigests(_ header: String) async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm,
                                                 body: Self.body, contentMD5: header)
            #expect(response.status == 400)
            #expect(xmlValues("Code", in: response.body) == ["InvalidDigest"])
            let received = try await harness.receive(harness.upQueue, harness.longTerm)
            #expect(received.status == 404, "a refused message must not be enqueued")
        }
    }

    @Test("a prolog, a namespace prefix, comments, a processing instruction and CDATA are read as XML")
    func xmlFormsAreRead() async throws {
        try await EmulatorHarness.with { harness in
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- a client --><m:Messages "
                + "xmlns:m=\"http://mns.aliyuncs.com/doc/v1/\"><m:Message><?pi?><m:MessageBody>"
                + "<![CDATA[<raw> & ]]>&amp;more</m:MessageBody><m:Priority>3</m:Priority></m:Message></m:Messages>"
            let sent = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm, body: body)
            #expect(sent.status == 201, "\(sent.body)")
            let received = try await harness.receive(harness.upQueue, harness.longTerm)
            #expect(xmlValues("MessageBody", in: received.body) == ["&lt;raw&gt; &amp; &amp;more"])
        }
    }

    @Test("a DOCTYPE, an unclosed root or a second root is MalformedXML, and the emulator keeps serving",
          arguments: [
              "<!DOCTYPE x [<!ENTITY e \"boom\">]><Message><MessageBody>&e;</MessageBody></Message>",
              "<Message><MessageBody>cut</MessageBody>",
              "<Message><MessageBody>one</MessageBody></Message><Message/>",
              "<Message><MessageBody>&unknown;</MessageBody></Message>",
          ])
    func malformedBodies(_ body: String) async throws {
        try await EmulatorHarness.with { harness in
            let response = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm, body: body)
            #expect(response.status == 400)
            #expect(xmlValues("Code", in: response.body) == ["MalformedXML"])
            let after = try await harness.mns("POST", "/queues/\(harness.upQueue)/messages", harness.longTerm,
                                              body: Self.body)
            #expect(after.status == 201)
        }
    }

    @Test("BatchDeleteMessage trims the whitespace around each handle")
    func batchDeleteTrimsHandles() async throws {
        try await EmulatorHarness.with { harness in
            harness.emulator.enqueue(queue: harness.reportQueue, bodies: ["a", "b"])
            let received = try await harness.mns("GET", "/queues/\(harness.reportQueue)/messages?numOfMessages=16&waitseconds=0",
                                                 harness.longTerm)
            let handles = xmlValues("ReceiptHandle", in: received.body)
            #expect(handles.count == 2)
            let body = "<ReceiptHandles xmlns=\"http://mns.aliyuncs.com/doc/v1/\">"
                + handles.map { "<ReceiptHandle>\n  \($0)\t</ReceiptHandle>" }.joined() + "</ReceiptHandles>"
            let deleted = try await harness.mns("DELETE", "/queues/\(harness.reportQueue)/messages", harness.longTerm, body: body)
            #expect(deleted.status == 204, "\(deleted.body)")
        }
    }

    @Test("every answer carries its own x-mns-request-id of 24 upper-case hex digits")
    func requestIds() async throws {
        try await EmulatorHarness.with { harness in
            var seen = Set<String>()
            for _ in 0..<4 {
                let response = try await harness.receive(harness.upQueue, harness.longTerm)
                let id = try #require(response.headers["x-mns-request-id"])
                #expect(id.utf8.count == 24 && id.utf8.allSatisfy { (48...57).contains($0) || (65...70).contains($0) }, "\(id)")
                seen.insert(id)
            }
            #expect(seen.count == 4)
        }
    }
}

@testable import AlibabaCloud
import Foundation
import Testing

@Suite("MNS client operations")
struct MNSClientTests {
    static let queue = "Alicom-Queue-1234567890123456-SmsReport"

    static func client(_ transport: ScriptedTransport, tokens: any QueueTokenSource = FixedTokens([TestTokens.make()]))
        -> MNSClient {
        MNSClient(endpoint: "https://mns.example/", tokens: tokens, transport: transport,
                  now: { Date(timeIntervalSince1970: 1_709_618_828) })
    }

    @Test("batchReceive sends a signed long poll with the case-sensitive parameters")
    func receiveRequestShape() async throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_16_waitseconds_sts_userrequestid")
        let transport = ScriptedTransport([.canned(try #require(vector.cannedTransportResponse))])
        let messages = try await Self.client(transport).batchReceive(queue: Self.queue, max: 16, waitSeconds: 30).messages
        #expect(messages.count == 2)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "GET")
        #expect(request.url == "https://mns.example/queues/\(Self.queue)/messages?numOfMessages=16&waitseconds=30")
        #expect(request.header("Date") == "Tue, 05 Mar 2024 06:07:08 GMT")
        #expect(request.header("Authorization")?.hasPrefix("MNS STS.keyA:") == true)
        #expect(request.header("security-token") == TestTokens.make().securityToken)
        #expect(request.body == nil)
    }

    @Test("the HTTP deadline of a long poll is the wait plus the margin")
    func longPollTimeout() async throws {
        let transport = ScriptedTransport([.mnsError(404, code: "MessageNotExist")])
        _ = try await Self.client(transport).batchReceive(queue: Self.queue, max: 16, waitSeconds: 30).messages
        #expect(await transport.timeouts == [.seconds(40)])
    }

    @Test("an empty queue (404 MessageNotExist) is an empty batch")
    func emptyQueue() async throws {
        let vector = try SignatureVectors.mns("mns_batch_receive_empty_queue_404")
        let transport = ScriptedTransport([.canned(try #require(vector.cannedTransportResponse))])
        let messages = try await Self.client(transport).batchReceive(queue: Self.queue, max: 16, waitSeconds: 30).messages
        #expect(messages.isEmpty)
    }

    struct ReceiveArguments: Sendable, CustomTestStringConvertible {
        var max: Int, wait: Int, queue: String
        var testDescription: String { "max \(max), wait \(wait), queue '\(queue)'" }
    }

    @Test("out-of-range batch size, wait or queue name is refused before sending", arguments: [
        ReceiveArguments(max: 17, wait: 30, queue: queue), ReceiveArguments(max: 0, wait: 30, queue: queue),
        ReceiveArguments(max: 16, wait: 31, queue: queue), ReceiveArguments(max: 16, wait: -1, queue: queue),
        ReceiveArguments(max: 16, wait: 30, queue: "../etc"), ReceiveArguments(max: 16, wait: 30, queue: ""),
    ])
    func receiveValidation(arguments: ReceiveArguments) async {
        let transport = ScriptedTransport([])
        let error = await #expect(throws: AlibabaError.self) {
            try await Self.client(transport).batchReceive(queue: arguments.queue, max: arguments.max,
                                                          waitSeconds: arguments.wait).messages
        }
        #expect(error?.kind == .configuration)
        #expect(await transport.requests.isEmpty)
    }

    @Test("batchDelete: 204 means every handle was deleted")
    func deleteAll() async throws {
        let transport = ScriptedTransport([.xml(204, "")])
        let handles = [ReceiptHandle("h1"), ReceiptHandle("h2")]
        let result = try await Self.client(transport).batchDelete(queue: Self.queue, handles: handles)
        #expect(result.deleted == handles)
        #expect(result.allDeleted)
        let request = try #require(await transport.requests.first)
        #expect(request.method == "DELETE")
        #expect(request.header("Content-Type") == "text/xml;charset=UTF-8")
        #expect(request.header("Content-MD5") == MNSSignature.contentMD5(try #require(request.body)))
    }

    @Test("batchDelete: 404 <Errors> fails only the listed handles")
    func deletePartial() async throws {
        let vector = try SignatureVectors.mns("mns_batch_delete_xml_body_partial_failure")
        let transport = ScriptedTransport([.canned(try #require(vector.cannedTransportResponse))])
        let good = ReceiptHandle("8-0zxjHAX72zPzaztyz0z6GXzcSROgZnrPNl")
        let stale = ReceiptHandle("1-ODU4OTkzNDU5NS0xNzA5NjE4ODIxLTItOA==")
        let result = try await Self.client(transport).batchDelete(queue: Self.queue, handles: [good, stale])
        #expect(result.deleted == [good])
        #expect(result.failed.map(\.handle) == [stale])
        #expect(result.failed.first?.error.code == "ReceiptHandleError")
        #expect(result.failed.first?.error.isRetryable == false)
    }

    @Test("batchDelete: any other answer fails every handle with that error")
    func deleteQueueMissing() async throws {
        let transport = ScriptedTransport([.mnsError(404, code: "QueueNotExist")])
        let result = try await Self.client(transport).batchDelete(queue: Self.queue, handles: [ReceiptHandle("h1"),
                                                                                              ReceiptHandle("h2")])
        #expect(result.deleted.isEmpty)
        #expect(result.failed.count == 2)
        #expect(result.failed.allSatisfy { $0.error.kind == .configuration && $0.error.code == "QueueNotExist" })
    }

    @Test("batchDelete: a network failure fails every handle as transient")
    func deleteNetworkFailure() async throws {
        let transport = ScriptedTransport([.fail(AlibabaError(kind: .transient, code: "ConnectionReset", message: "x"))])
        let result = try await Self.client(transport).batchDelete(queue: Self.queue, handles: [ReceiptHandle("h1")])
        #expect(result.failed.map(\.error.kind) == [.transient])
    }

    @Test("batchDelete sends more than 16 handles in several requests")
    func deleteChunks() async throws {
        let transport = ScriptedTransport([.xml(204, ""), .xml(204, "")])
        let handles = (1...20).map { ReceiptHandle("h\($0)") }
        let result = try await Self.client(transport).batchDelete(queue: Self.queue, handles: handles)
        #expect(result.deleted == handles)
        #expect(await transport.requests.count == 2)
    }

    @Test("changeVisibility sends the handle verbatim and returns the new one")
    func changeVisibility() async throws {
        let vector = try SignatureVectors.mns("mns_change_message_visibility")
        let transport = ScriptedTransport([.canned(try #require(vector.cannedTransportResponse))])
        let newHandle = try await Self.client(transport).changeVisibility(
            queue: Self.queue, handle: ReceiptHandle("8-0zxjHBaWtzPz8zphz0z6OGz5yWWidU1fJM"), seconds: 60)
        #expect(newHandle == ReceiptHandle("8-0zxjHBaWtzPz8zphz0z6OGz5yWWidU1fQ2"))
        let request = try #require(await transport.requests.first)
        #expect(request.method == "PUT")
        #expect(request.requestTarget == vector.request.pathAndQuery)
    }

    @Test("an error message echoing our credentials is redacted")
    func redactsEchoedSecrets() async throws {
        let token = TestTokens.make()
        let transport = ScriptedTransport([.mnsError(400, code: "InvalidArgument",
                                                     message: "bad \(token.securityToken) \(token.accessKeySecret)")])
        let error = await #expect(throws: AlibabaError.self) {
            try await Self.client(transport).batchReceive(queue: Self.queue, max: 1, waitSeconds: 0).messages
        }
        let text = try #require(error).description
        #expect(!text.contains(token.securityToken))
        #expect(!text.contains(token.accessKeySecret))
        #expect(text.contains("<redacted>"))
    }
}

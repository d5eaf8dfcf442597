@testable import AlibabaCloud
import Foundation
import Testing

/// One test per fault the daemon must tell apart, each driven by a canned answer through the real
/// client code (MNS or RPC), asserting the kind the caller acts on.
@Suite("Faults are classified by what to do about them")
struct FaultClassificationTests {
    static let queue = "Alicom-Queue-1234567890123456-SmsReport"

    static func receive(_ steps: [ScriptedTransport.Step], tokens: any QueueTokenSource = FixedTokens([TestTokens.make()]))
        async -> (AlibabaError?, ScriptedTransport) {
        let transport = ScriptedTransport(steps)
        let client = MNSClient(endpoint: "https://mns.example", tokens: tokens, transport: transport)
        do {
            _ = try await client.batchReceive(queue: queue, max: 16, waitSeconds: 1).messages
            return (nil, transport)
        } catch {
            return (error as? AlibabaError, transport)
        }
    }

    static func rpc(_ step: ScriptedTransport.Step) async -> AlibabaError? {
        let client = DysmsClient(rpc: RPCClient(
            endpoint: "https://dysms.example",
            credentials: RPCCredentials(accessKeyId: "LTAIexample", accessKeySecret: "long-term-secret"),
            transport: ScriptedTransport([step])))
        do {
            _ = try await client.querySendDetails(phoneNumber: "13800138000", bizId: nil, sendDate: "20240305",
                                                  pageSize: 10, currentPage: 1)
            return nil
        } catch {
            return error as? AlibabaError
        }
    }

    @Test("MNS 5xx is transient and retryable")
    func serverError() async throws {
        let (error, _) = await Self.receive([.mnsError(500, code: "InternalError")])
        #expect(error?.kind == .transient)
        #expect(error?.isRetryable == true)
        #expect(error?.httpStatus == 500)
    }

    @Test("a 503 from a proxy with no MNS document is transient")
    func gatewayPage() async throws {
        let (error, _) = await Self.receive([.xml(503, "<html>Service Unavailable</html>")])
        #expect(error?.kind == .transient)
        #expect(error?.code == "HTTP503")
    }

    @Test("a timeout from the transport is transient")
    func timeout() async throws {
        let (error, _) = await Self.receive([.fail(AlibabaError(kind: .transient, code: "Timeout", message: "deadline"))])
        #expect(error?.kind == .transient)
        #expect(error?.code == "Timeout")
    }

    @Test("a connection reset is transient")
    func reset() async throws {
        let mapped = AsyncHTTPClientTransport.transportError(TextError("read(descriptor:pointer:size:): Connection reset by peer (errno: 104)"))
        let error = try #require(mapped as? AlibabaError)
        #expect(error.kind == .transient)
        #expect(error.code == AlibabaError.Code.connectionReset)
    }

    @Test("a refused connection is transient")
    func refused() async throws {
        let mapped = AsyncHTTPClientTransport.transportError(TextError("connect(descriptor:addr:size:): Connection refused (errno: 111)"))
        let error = try #require(mapped as? AlibabaError)
        #expect(error.kind == .transient)
        #expect(error.code == AlibabaError.Code.connectionRefused)
    }

    @Test("cancellation is passed through, not turned into a retryable error")
    func cancellation() {
        #expect(AsyncHTTPClientTransport.transportError(CancellationError()) is CancellationError)
    }

    @Test("MNS throttling (QpsLimitExceeded, 429) is transient")
    func mnsThrottling() async throws {
        let (byCode, _) = await Self.receive([.mnsError(400, code: "QpsLimitExceeded")])
        #expect(byCode?.kind == .transient)
        let (byStatus, _) = await Self.receive([.xml(429, "")])
        #expect(byStatus?.kind == .transient)
    }

    @Test("RPC gateway throttling (Throttling.User, HTTP 400) is transient")
    func rpcThrottling() async throws {
        let error = await Self.rpc(.json(400, #"{"Code":"Throttling.User","Message":"Request was denied due to user flow control.","RequestId":"R1"}"#))
        #expect(error?.kind == .transient)
        #expect(error?.requestId == "R1")
    }

    @Test("QueueNotExist needs a person")
    func queueNotExist() async throws {
        let (error, transport) = await Self.receive([.mnsError(404, code: "QueueNotExist")])
        #expect(error?.kind == .configuration)
        #expect(error?.isRetryable == false)
        #expect(await transport.requests.count == 1)
    }

    @Test("AccessDeniedByRamPolicy needs a person and does not trigger a token refresh")
    func accessDeniedByRamPolicy() async throws {
        let tokens = FixedTokens([TestTokens.make("A"), TestTokens.make("B")])
        let (error, transport) = await Self.receive([.mnsError(403, code: "AccessDeniedByRamPolicy")], tokens: tokens)
        #expect(error?.kind == .configuration)
        #expect(await transport.requests.count == 1)
        #expect(await tokens.invalidated.isEmpty)
    }

    @Test("SignatureDoesNotMatch needs a person, from MNS and from the RPC gateway")
    func signatureDoesNotMatch() async throws {
        let (mns, _) = await Self.receive([.mnsError(403, code: "SignatureDoesNotMatch")])
        #expect(mns?.kind == .configuration)
        let rpc = await Self.rpc(.json(400, #"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&x","RequestId":"R2"}"#))
        #expect(rpc?.kind == .configuration)
    }

    @Test("an unknown long-term AccessKeyId needs a person")
    func longTermKeyNotFound() async throws {
        let error = await Self.rpc(.json(404, #"{"Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found.","RequestId":"R3"}"#))
        #expect(error?.kind == .configuration)
    }

    @Test("an expired token is refreshed and the request retried once, then succeeds")
    func tokenExpiredRefreshThenRetry() async throws {
        let tokens = FixedTokens([TestTokens.make("A"), TestTokens.make("B")])
        let (error, transport) = await Self.receive(
            [.mnsError(403, code: "InvalidAccessKeyId"), .mnsError(404, code: "MessageNotExist")], tokens: tokens)
        #expect(error == nil)
        let requests = await transport.requests
        #expect(requests.count == 2)
        #expect(requests.map { $0.header("security-token") } == [TestTokens.make("A").securityToken,
                                                                   TestTokens.make("B").securityToken])
        #expect(requests[1].header("Authorization")?.hasPrefix("MNS STS.keyB:") == true)
        #expect(await tokens.invalidated.map(\.accessKeyId) == ["STS.keyA"])
    }

    @Test("a second authentication refusal is surfaced, not retried again")
    func authenticationSurfacedAfterOneRetry() async throws {
        let tokens = FixedTokens([TestTokens.make("A"), TestTokens.make("B")])
        let (error, transport) = await Self.receive(
            [.mnsError(403, code: "InvalidAccessKeyId"), .mnsError(401, code: "SecurityTokenExpired")], tokens: tokens)
        #expect(error?.kind == .authentication)
        #expect(error?.code == "SecurityTokenExpired")
        #expect(await transport.requests.count == 2)
    }

    @Test("Dysms HTTP 200 with Code != OK is a business error")
    func business() async throws {
        let error = await Self.rpc(.json(200, #"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"invalid number","RequestId":"R4"}"#))
        #expect(error?.kind == .business)
        #expect(error?.isRetryable == false)
        #expect(error?.code == "isv.MOBILE_NUMBER_ILLEGAL")
    }

    @Test("an answer we cannot parse is malformed and retried like a transient error")
    func malformed() async throws {
        let (error, _) = await Self.receive([.xml(200, "<Messages><Message><MessageId>x</MessageId>")])
        #expect(error?.kind == .malformedResponse)
        #expect(error?.isRetryable == true)
        #expect(error?.requestId == "REQ-1")
        let rpc = await Self.rpc(.json(200, "<html>not json</html>"))
        #expect(rpc?.kind == .malformedResponse)
    }
}

struct TextError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@testable import AlibabaCloud
import Foundation
import Testing

@Suite("RPC clients (Dybaseapi, Dysmsapi)")
struct RPCClientTests {
    static let credentials = RPCCredentials(accessKeyId: "LTAI5tQ9xVbExampleKeyId",
                                            accessKeySecret: "ExampleSecretKey0123456789abcd")

    static func rpc(_ transport: ScriptedTransport, endpoint: String = "https://rpc.example") -> RPCClient {
        RPCClient(endpoint: endpoint, credentials: credentials, transport: transport,
                  now: { Date(timeIntervalSince1970: 1_709_618_828) }, nonce: { "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" })
    }

    static let tokenAnswer = #"""
        {"RequestId":"5E1A7B2C","Code":"OK","Message":"OK","MessageTokenDTO":{"AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2ggo",
        "AccessKeySecret":"5PaUJtrnmDUsr3zNVBjTtpn1tp7m4Ls3hyv3Ab1yVqZ6","SecurityToken":"CAIS+AF1q6Ft5B2y/abc==",
        "CreateTime":"2024-03-05 14:07:08","ExpireTime":"2024-03-05 14:17:08"}}
        """#

    @Test("QueryTokenForMnsQueue is the SDK's request: POST, parameters in the query, empty body")
    func queryTokenRequest() async throws {
        let transport = ScriptedTransport([.json(200, Self.tokenAnswer)])
        let client = DybaseapiClient(rpc: Self.rpc(transport, endpoint: "https://dybaseapi.aliyuncs.com"))
        _ = try await client.queryTokenForMnsQueue(messageType: .smsReport,
                                                   queueName: "Alicom-Queue-1234567890123456-SmsReport")
        let request = try #require(await transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.body == nil)
        #expect(request.url.contains("Action=QueryTokenForMnsQueue"))
        #expect(request.url.contains("MessageType=SmsReport"))
        // Same clock, nonce and key as the vector → the SDK's signature.
        let vector = try SignatureVectors.rpc("rpc_query_token_for_mns_queue")
        #expect(request.url.contains("Signature=" + RPCSignature.percentEncode(vector.signature)))
    }

    @Test("the token's ExpireTime is read as Beijing time (UTC+8), whatever the host zone")
    func tokenExpiryIsBeijingTime() async throws {
        let transport = ScriptedTransport([.json(200, Self.tokenAnswer)])
        let token = try await DybaseapiClient(rpc: Self.rpc(transport))
            .queryTokenForMnsQueue(messageType: .smsUp, queueName: nil)
        // 2024-03-05 14:17:08 +08:00 = 06:17:08Z
        #expect(token.expiresAt == Date(timeIntervalSince1970: 1_709_619_428))
        #expect(token.createdAt == Date(timeIntervalSince1970: 1_709_618_828))
        #expect(token.messageType == .smsUp)
        #expect(token.securityToken == "CAIS+AF1q6Ft5B2y/abc==")
        #expect(!(await transport.requests.first?.url.contains("QueueName") ?? true))
    }

    @Test("a token answer without the DTO or with a bad ExpireTime is malformed")
    func tokenMalformed() async throws {
        for body in [#"{"Code":"OK","RequestId":"R"}"#,
                     #"{"Code":"OK","MessageTokenDTO":{"AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"c","ExpireTime":"2024-03-05T14:17:08Z"}}"#] {
            let transport = ScriptedTransport([.json(200, body)])
            let error = await #expect(throws: AlibabaError.self) {
                try await DybaseapiClient(rpc: Self.rpc(transport)).queryTokenForMnsQueue(messageType: .smsReport,
                                                                                         queueName: nil)
            }
            #expect(error?.kind == .malformedResponse)
        }
    }

    @Test("QuerySendDetails returns each row as its own JSON object and the total")
    func sendDetailsPage() async throws {
        let answer = #"""
            {"Code":"OK","Message":"OK","RequestId":"819BE656","TotalCount":"2","SmsSendDetailDTOs":{"SmsSendDetailDTO":[
            {"PhoneNum":"13800138000","SendStatus":3,"ErrCode":"DELIVERED","SendDate":"2024-03-05 14:07:01"},
            {"PhoneNum":"13800138000","SendStatus":1,"ErrCode":"","SendDate":"2024-03-05 14:09:01"}]}}
            """#
        let transport = ScriptedTransport([.json(200, answer)])
        let page = try await DysmsClient(rpc: Self.rpc(transport)).querySendDetails(
            phoneNumber: "13800138000", bizId: "900619746936498440^0", sendDate: "20240305", pageSize: 50, currentPage: 1)
        #expect(page.totalCount == 2)
        #expect(page.requestId == "819BE656")
        #expect(page.rows.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: page.rows[0]) as? [String: Any])
        #expect(first["SendStatus"] as? Int == 3)
        #expect(first["ErrCode"] as? String == "DELIVERED")
        let url = try #require(await transport.requests.first?.url)
        #expect(url.contains("BizId=900619746936498440%5E0"))
    }

    @Test("TotalCount as a number and an empty result are both accepted")
    func sendDetailsVariants() throws {
        let numeric = try DysmsClient.page(from: RPCAnswer(
            body: Data(#"{"Code":"OK","TotalCount":0,"SmsSendDetailDTOs":{}}"#.utf8), requestId: nil))
        #expect(numeric.totalCount == 0)
        #expect(numeric.rows.isEmpty)
        let absent = try DysmsClient.page(from: RPCAnswer(body: Data(#"{"Code":"OK"}"#.utf8), requestId: nil))
        #expect(absent.rows.isEmpty)
    }

    @Test("QuerySendDetails arguments the API would reject are refused before sending", arguments: [
        (0, "20240305"), (51, "20240305"), (10, "2024-03-05"), (10, "20240230"), (10, "2024030"), (10, "20241305"),
    ])
    func sendDetailsValidation(pageSize: Int, sendDate: String) throws {
        let error = #expect(throws: AlibabaError.self) {
            try DysmsClient.querySendDetailsParameters(phoneNumber: "13800138000", bizId: nil, sendDate: sendDate,
                                                       pageSize: pageSize, currentPage: 1)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.code == AlibabaError.Code.invalidInput)
    }

    @Test("a leap day is a valid SendDate")
    func leapDay() throws {
        let parameters = try DysmsClient.querySendDetailsParameters(
            phoneNumber: "13800138000", bizId: nil, sendDate: "20240229", pageSize: 1, currentPage: 1)
        #expect(parameters["SendDate"] == "20240229")
        #expect(parameters["BizId"] == nil)
    }

    @Test("SendSms returns the BizId")
    func sendSms() async throws {
        let transport = ScriptedTransport([.json(200, #"{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"R"}"#)])
        let bizId = try await DysmsClient(rpc: Self.rpc(transport)).sendSms(
            phoneNumbers: "13800138000", signName: "阿里云短信测试", templateCode: "SMS_154950909",
            templateParam: #"{"code":"1234"}"#, outId: "order*42~retry 1")
        #expect(bizId == "900619746936498440^0")
        let url = try #require(await transport.requests.first?.url)
        #expect(url.contains("OutId=order%2A42~retry%201"))
    }

    @Test("a gateway error answer that is not JSON is classified by its status")
    func unreadableGatewayError() throws {
        let error = #expect(throws: AlibabaError.self) {
            try RPCAnswer.interpret(TransportResponse(status: 502, body: Data("<html>".utf8)))
        }
        #expect(error?.kind == .transient)
        #expect(error?.code == "HTTP502")
    }
}

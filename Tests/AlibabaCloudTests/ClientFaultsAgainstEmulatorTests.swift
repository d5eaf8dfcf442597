import AlibabaCloud
import AlicomEmulator
import Foundation
import Testing

/// The service a fault is injected on: MNS (XML errors) or the RPC gateway (JSON errors).
enum ServiceFace: String, CaseIterable, Sendable {
    case mns
    case rpc
}

/// How our clients classify each kind of failure the emulator can produce, as the daemon will see it.
@Suite("Our clients against the Alicom emulator: fault classification", .timeLimit(.minutes(1)))
struct ClientFaultsAgainstEmulatorTests {
    /// Fetches the MNS token first (faults hit Dybaseapi too), switches `faults` on, makes one call on
    /// `face` (a receive, or QuerySendDetails) with deadline `timeout`, and returns what it threw.
    private func errorFromFaultedCall(_ face: ServiceFace, _ faults: EmulatorFaults, timeout: Duration = .seconds(5),
                                      in rig: EmulatorRig) async throws -> AlibabaError? {
        let mns = rig.mns(tokens: FixedTokens([try await rig.fetchToken()]), longPollMargin: timeout)
        let dysms = rig.dysms(timeout: timeout)
        let sendDate = beijingSendDate()
        rig.emulator.faults = faults
        return await #expect(throws: AlibabaError.self) {
            switch face {
            case .mns:
                _ = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 0).messages
            case .rpc:
                _ = try await dysms.querySendDetails(phoneNumber: "13800138000", bizId: nil, sendDate: sendDate,
                                                     pageSize: 10, currentPage: 1)
            }
        }
    }

    // MARK: Transient: back off and retry

    @Test("a 5xx answer is transient", arguments: ServiceFace.allCases)
    func serverErrorIsTransient(_ face: ServiceFace) async throws {
        try await EmulatorRig.with { rig in
            let error = try await errorFromFaultedCall(face, EmulatorFaults(serverErrorShare: 1), in: rig)
            #expect(error?.kind == .transient)
            #expect(error?.code == "InternalError")
            #expect(error?.httpStatus == 500)
            #expect(error?.isRetryable == true)
        }
    }

    @Test("a connection closed without an answer is transient", arguments: ServiceFace.allCases)
    func connectionResetIsTransient(_ face: ServiceFace) async throws {
        try await EmulatorRig.with { rig in
            let error = try await errorFromFaultedCall(face, EmulatorFaults(connectionResetShare: 1), in: rig)
            #expect(error?.kind == .transient)
            #expect(error?.code == AlibabaError.Code.connectionReset)
            #expect(error?.httpStatus == nil)
        }
    }

    @Test("throttling is transient, with the service's throttling code", arguments: ServiceFace.allCases)
    func throttlingIsTransient(_ face: ServiceFace) async throws {
        try await EmulatorRig.with { rig in
            let error = try await errorFromFaultedCall(face, EmulatorFaults(throttleShare: 1), in: rig)
            #expect(error?.kind == .transient)
            #expect(error?.code == (face == .mns ? "QpsLimitExceeded" : "Throttling.User"))
            #expect(error?.httpStatus == (face == .mns ? 429 : 400))
        }
    }

    @Test("an answer slower than the request deadline is a transient timeout", arguments: ServiceFace.allCases)
    func slowAnswerIsATimeout(_ face: ServiceFace) async throws {
        try await EmulatorRig.with { rig in
            let error = try await errorFromFaultedCall(face, EmulatorFaults(addedLatencyMilliseconds: 1_500),
                                                       timeout: .milliseconds(300), in: rig)
            #expect(error?.kind == .transient)
            #expect(error?.code == AlibabaError.Code.timeout)
        }
    }

    // MARK: Configuration: a person must act

    @Test("a queue the account does not have is a configuration error (QueueNotExist)")
    func unknownQueueIsConfiguration() async throws {
        try await EmulatorRig.with { rig in
            let mns = rig.mns(tokens: FixedTokens([rig.longTermKeyAsToken]))
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await mns.batchReceive(queue: "Alicom-Queue-1234567890123456-NoSuchType", max: 16, waitSeconds: 0).messages
            }
            #expect(error?.kind == .configuration)
            #expect(error?.code == "QueueNotExist")
            #expect(error?.httpStatus == 404)
        }
    }

    @Test("a SmsReport token used on the SmsUp queue is a configuration error (AccessDeniedByRamPolicy)")
    func tokenForAnotherQueueIsConfiguration() async throws {
        try await EmulatorRig.with { rig in
            let tokens = FixedTokens([try await rig.fetchToken(.smsReport)])
            let mns = rig.mns(tokens: tokens)
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await mns.batchReceive(queue: rig.upQueue, max: 16, waitSeconds: 0).messages
            }
            #expect(error?.kind == .configuration)
            #expect(error?.code == "AccessDeniedByRamPolicy")
            #expect(error?.httpStatus == 403)
            // Not mistaken for a bad token: no refresh was attempted.
            #expect(await tokens.invalidated.isEmpty)
        }
    }

    @Test("a wrong long-term secret is a configuration error (SignatureDoesNotMatch)")
    func wrongSecretIsConfiguration() async throws {
        try await EmulatorRig.with { rig in
            let dybaseapi = rig.dybaseapi(secret: "NotTheRigSecret0123456789abcdef")
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await dybaseapi.queryTokenForMnsQueue(messageType: .smsReport, queueName: rig.reportQueue)
            }
            #expect(error?.kind == .configuration)
            #expect(error?.code == "SignatureDoesNotMatch")
            #expect(error?.httpStatus == 400)
            #expect(rig.emulator.issuedTokens().isEmpty)
        }
    }

    @Test("an unknown long-term key id is a configuration error (InvalidAccessKeyId.NotFound)")
    func unknownKeyIsConfiguration() async throws {
        try await EmulatorRig.with { rig in
            let dybaseapi = rig.dybaseapi(keyId: "LTAI5tNobodyHasThisKey")
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await dybaseapi.queryTokenForMnsQueue(messageType: .smsReport, queueName: rig.reportQueue)
            }
            #expect(error?.kind == .configuration)
            #expect(error?.code == "InvalidAccessKeyId.NotFound")
            #expect(error?.httpStatus == 404)
        }
    }

    // MARK: Authentication: refresh the token once

    @Test("a token that died early is replaced once and the call succeeds")
    func expiredTokenIsRefreshedOnce() async throws {
        try await EmulatorRig.with { rig in
            let mns = rig.mns(.smsReport)
            #expect(try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 0).messages.isEmpty)
            let first = try #require(rig.emulator.issuedTokens().first)
            rig.emulator.expireAllTokens()
            let enqueued = try rig.enqueueReceipts(1)
            let received = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 1).messages
            #expect(received.map(\.messageId) == Array(enqueued.keys))
            let issued = rig.emulator.issuedTokens()
            #expect(issued.count == 2)
            #expect(issued.last?.accessKeyId != first.accessKeyId)
        }
    }

    @Test("a token still refused after the refresh is surfaced as an authentication error")
    func tokenRefusedAfterRefreshIsAuthentication() async throws {
        try await EmulatorRig.with { rig in
            let token = try await rig.fetchToken()
            rig.emulator.expireAllTokens()
            // A source that keeps handing out the dead token, however often it is told it is bad.
            let tokens = FixedTokens([token])
            let mns = rig.mns(tokens: tokens)
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await mns.batchReceive(queue: rig.reportQueue, max: 16, waitSeconds: 0).messages
            }
            #expect(error?.kind == .authentication)
            #expect(error?.code == "InvalidAccessKeyId")
            #expect(error?.httpStatus == 403)
            #expect(await tokens.invalidated.count == 1)
            #expect(await tokens.handedOut == 2)
        }
    }

    // MARK: Business: the data was refused

    @Test("QuerySendDetails for a day more than 30 days ago is a business error")
    func queryOlderThanThirtyDaysIsBusiness() async throws {
        try await EmulatorRig.with { rig in
            let dysms = rig.dysms()
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await dysms.querySendDetails(phoneNumber: "13800138000", bizId: nil,
                                                     sendDate: beijingSendDate(daysAgo: 40), pageSize: 10, currentPage: 1)
            }
            #expect(error?.kind == .business)
            #expect(error?.code == "isv.INVALID_PARAMETERS")
            #expect(error?.httpStatus == 200)
            #expect(error?.isRetryable == false)
        }
    }

    @Test("SendSms to a malformed phone number is a business error")
    func invalidPhoneIsBusiness() async throws {
        try await EmulatorRig.with { rig in
            let dysms = rig.dysms()
            let error = await #expect(throws: AlibabaError.self) {
                _ = try await dysms.sendSms(phoneNumbers: "1380013800x", signName: "阿里云短信测试",
                                            templateCode: "SMS_154950909", templateParam: nil, outId: nil)
            }
            #expect(error?.kind == .business)
            #expect(error?.code == "isv.MOBILE_NUMBER_ILLEGAL")
            #expect(rig.emulator.sends().isEmpty)
        }
    }
}

import AlibabaCloud
import Testing

@Suite("Call outcomes for metrics")
struct CallOutcomeTests {
    func outcome(_ kind: AlibabaError.Kind, _ code: String, status: Int? = nil) -> AlibabaCallOutcome? {
        AlibabaCallOutcome(failure: AlibabaError(kind: kind, code: code, message: "", httpStatus: status))
    }

    @Test func throttlingCodesAreThrottledWhateverTheirKind() {
        #expect(outcome(.transient, "Throttling.User", status: 400) == .throttled)
        #expect(outcome(.transient, "QpsLimitExceeded", status: 503) == .throttled)
        #expect(outcome(.business, "isv.BUSINESS_LIMIT_CONTROL") == .client)
    }

    @Test func transportFailuresAreNetwork() {
        #expect(outcome(.transient, AlibabaError.Code.timeout) == .network)
        #expect(outcome(.transient, AlibabaError.Code.connectionReset) == .network)
        #expect(AlibabaCallOutcome(failure: CancellationError()) == nil, "a cancellation says nothing about the service")
    }

    @Test func refusedCredentialsAreAuth() {
        #expect(outcome(.authentication, "AccessDenied", status: 403) == .auth)
        #expect(outcome(.configuration, "SignatureDoesNotMatch", status: 400) == .auth)
        #expect(outcome(.configuration, "InvalidAccessKeyId.NotFound", status: 404) == .auth)
    }

    @Test func serverSideFailuresAreServer() {
        #expect(outcome(.transient, "InternalError", status: 500) == .server)
        #expect(outcome(.transient, "HTTP502", status: 502) == .server)
        #expect(outcome(.malformedResponse, AlibabaError.Code.unreadableAnswer, status: 200) == .server)
    }

    @Test func otherRefusalsAreClient() {
        #expect(outcome(.configuration, "QueueNotExist", status: 404) == .client)
        #expect(outcome(.business, "isv.MOBILE_NUMBER_ILLEGAL") == .client)
    }
}

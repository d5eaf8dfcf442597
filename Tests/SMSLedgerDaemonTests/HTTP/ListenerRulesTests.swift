import Foundation
import SMSLedgerConfig
@testable import SMSLedgerDaemon
import Testing

/// The pure decisions of the listener: signatures, the bearer rule, routing.
@Suite("HTTP listener rules")
struct ListenerRulesTests {
    static let sampleBody = #"{"reference_id":"65CA48A0752012689190921055936659","external_id":"5122f7d8a93f11ea8b6700163e02db87","status":{"updated_on":"2020-06-08T04:20:09.873298Z","code":200,"description":"Delivered to handset"}}"#
    /// HMAC-SHA256 of `sampleBody` under `ListenerHarness.apiKey`, computed independently with
    /// `openssl dgst -sha256 -mac HMAC` and Python's `hmac`.
    static let sampleSignature = "Qwom7EoL+g0z0Hxdu0EDR3WTJSpS/TAOjBviSS60vnU="

    static func signer() throws -> TeleSignSignature {
        try #require(TeleSignSignature(base64Key: ListenerHarness.apiKey))
    }

    // MARK: Signature

    @Test func signatureMatchesAnIndependentlyComputedVector() throws {
        #expect(try Self.signer().signature(for: Data(Self.sampleBody.utf8)) == Self.sampleSignature)
    }

    @Test(arguments: [
        sampleSignature,
        "TSA 1234-ABCD:" + sampleSignature,
        "HMAC-SHA256 " + sampleSignature,
        "  TSA  cust:" + sampleSignature + "  ",
        String(sampleSignature.dropLast()),  // padding left off
    ])
    func acceptedHeaderShapesVerify(value: String) throws {
        #expect(try Self.signer().verify(body: Data(Self.sampleBody.utf8), headerValues: [value]) == .valid)
    }

    @Test(arguments: [
        "TSA cust:" + String(repeating: "A", count: 44),
        "Bearer something",
        "TSA cust:",
        "",
        String(sampleSignature.prefix(20)),
    ])
    func otherHeaderValuesAreInvalid(value: String) throws {
        #expect(try Self.signer().verify(body: Data(Self.sampleBody.utf8), headerValues: [value]) == .invalid)
    }

    @Test func noHeaderIsMissingNotInvalid() throws {
        #expect(try Self.signer().verify(body: Data(Self.sampleBody.utf8), headerValues: []) == .missing)
    }

    @Test func oneMatchingValueAmongOthersVerifies() throws {
        let values = ["Bearer proxy-token", "TSA c:" + Self.sampleSignature]
        #expect(try Self.signer().verify(body: Data(Self.sampleBody.utf8), headerValues: values) == .valid)
    }

    @Test func oneChangedByteInTheBodyFailsVerification() throws {
        var body = Data(Self.sampleBody.utf8)
        body[body.count - 3] ^= 0x01
        #expect(try Self.signer().verify(body: body, headerValues: [Self.sampleSignature]) == .invalid)
    }

    @Test func keyThatIsNotBase64IsRefused() {
        #expect(TeleSignSignature(base64Key: "not base64!") == nil)
    }

    // MARK: Bearer token

    static func settings(listen host: String, token: String?) -> HTTPSettings {
        var settings = HTTPSettings()
        settings.listen = ListenAddress(host: host, port: 8787)
        settings.bearerToken = token.map { Secret($0) }
        return settings
    }

    @Test func loopbackWithoutTokenAllowsEveryone() {
        let rule = SendsAuthorization(settings: Self.settings(listen: "127.0.0.1", token: nil))
        #expect(rule.decide(authorization: nil) == .allowed)
    }

    @Test func nonLoopbackWithoutTokenFailsClosed() {
        let rule = SendsAuthorization(settings: Self.settings(listen: "0.0.0.0", token: nil))
        #expect(rule.decide(authorization: "Bearer anything") != .allowed)
    }

    @Test func configuredTokenIsCheckedEvenOnLoopback() {
        let rule = SendsAuthorization(settings: Self.settings(listen: "::1", token: "s3cret"))
        #expect(rule.decide(authorization: nil) != .allowed)
        #expect(rule.decide(authorization: "Bearer s3cret") == .allowed)
    }

    @Test func tokenMustMatchExactly() {
        let rule = SendsAuthorization(settings: Self.settings(listen: "10.0.0.5", token: "s3cret"))
        #expect(rule.decide(authorization: "BEARER s3cret") == .allowed)
        #expect(rule.decide(authorization: "Bearer s3cret2") != .allowed)
        #expect(rule.decide(authorization: "Bearer S3CRET") != .allowed)
        #expect(rule.decide(authorization: "Basic s3cret") != .allowed)
    }

    // MARK: Routing

    @Test func routesResolveByPathThenMethod() {
        let path = "/hooks/ts"
        #expect(ListenerRoute.resolve(method: "POST", path: "/v1/sends", callbackPath: path) == .recordSends)
        #expect(ListenerRoute.resolve(method: "POST", path: path, callbackPath: path) == .teleSignCallback)
        #expect(ListenerRoute.resolve(method: "GET", path: "/healthz", callbackPath: path) == .healthz)
        #expect(ListenerRoute.resolve(method: "PUT", path: path, callbackPath: path) == .methodNotAllowed(allow: "POST"))
        #expect(ListenerRoute.resolve(method: "POST", path: "/callbacks/telesign", callbackPath: path) == .notFound)
        #expect(ListenerRoute.resolve(method: "POST", path: "/v1/sends/", callbackPath: path) == .notFound)
    }
}

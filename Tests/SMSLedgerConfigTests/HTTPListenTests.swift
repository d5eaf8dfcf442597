import Testing
@testable import SMSLedgerConfig

@Suite("The HTTP listen address")
struct HTTPListenTests {
    @Test(arguments: [
        ("127.0.0.1:8787", "127.0.0.1", 8787, true),
        ("127.1.2.3:1", "127.1.2.3", 1, true),
        ("localhost:80", "localhost", 80, true),
        ("[::1]:8787", "::1", 8787, true),
        ("[::ffff:127.0.0.1]:9", "::ffff:127.0.0.1", 9, true),
        ("0.0.0.0:8787", "0.0.0.0", 8787, false),
        ("[::]:0", "::", 0, false),
        ("10.0.0.5:65535", "10.0.0.5", 65535, false),
        ("callbacks.example.com:443", "callbacks.example.com", 443, false),
    ] as [(String, String, Int, Bool)])
    func parsesHostPortAndKnowsLoopback(text: String, host: String, port: Int, loopback: Bool) throws {
        let address = try ListenAddress.parse(text).get()
        #expect(address.host == host)
        #expect(address.port == port)
        #expect(address.isLoopback == loopback)
        #expect(address.description == text)
    }

    @Test(arguments: ["127.0.0.1", "::1:8787", "127.0.0.1:70000", "127.0.0.1:-1", ":8787", "[::1:8787", "[nothex]:1", "a b:1"])
    func refusesMalformedAddresses(text: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress.parse(text).get() }
    }

    @Test func malformedListenIsAConfigurationErrorWithTheLine() throws {
        let error = try #require(errors(loading: "[http]\nlisten = \"::1:8787\"\n").first)
        #expect(error.message == "http.listen at test.toml:2: write IPv6 addresses in brackets, such as [::1]:8787, got \"::1:8787\"")
    }

    @Test func nonLoopbackListenWithoutBearerTokenIsRefused() throws {
        let error = try #require(errors(loading: "[http]\nlisten = \"0.0.0.0:8787\"\n").first)
        #expect(error.key == "http.listen")
        #expect(error.message.hasPrefix("http.listen at test.toml:2: 0.0.0.0:8787 is not a loopback address, so the "
            + "callback endpoint needs a bearer token"))
    }

    @Test func nonLoopbackListenWithBearerTokenIsAccepted() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("token", "t0ken", mode: 0o600)
        let config = try load("[http]\nlisten = \"0.0.0.0:8787\"\nbearer_token_file = \"\(path)\"\n").configuration
        #expect(config.http.bearerToken?.reveal() == "t0ken")
        #expect(config.http.listen == ListenAddress(host: "0.0.0.0", port: 8787))
    }

    @Test func nonLoopbackListenIsFineWhenHTTPIsDisabled() throws {
        #expect(errors(loading: "[http]\nenabled = false\nlisten = \"0.0.0.0:8787\"\n").isEmpty)
    }
}

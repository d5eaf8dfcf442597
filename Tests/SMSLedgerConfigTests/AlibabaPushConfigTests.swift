import Foundation
import Testing
@testable import SMSLedgerConfig

@Suite("[alibaba_push] settings")
struct AlibabaPushConfigTests {
    static let token = "0123456789abcdef0123456789abcdef"

    @Test func offByDefaultWithNoPaths() throws {
        let push = try load("").configuration.alibabaPush
        #expect(!push.enabled)
        #expect(push.path(messageType: "SmsReport") == nil)
    }

    @Test func enabledWithATokenGivesOnePathPerMessageType() throws {
        let push = try load("""
            [alibaba_push]
            enabled = true
            token = "\(Self.token)"
            path_prefix = "/hooks/alibaba/"
            allow_from = ["100.104.0.0/16", "2001:db8::/32", "192.0.2.7"]
            max_body_bytes = 1048576
            """).configuration.alibabaPush
        #expect(push.path(messageType: "SmsReport") == "/hooks/alibaba/\(Self.token)/SmsReport")
        #expect(push.path(messageType: "SmsUp") == "/hooks/alibaba/\(Self.token)/SmsUp")
        #expect(push.allowFrom.map(\.description) == ["100.104.0.0/16", "2001:db8::/32", "192.0.2.7/32"])
        #expect(push.maxBodyBytes == 1_048_576)
    }

    @Test func enablingWithoutATokenNamesTheKeyAndLine() {
        let found = errors(loading: "[alibaba_push]\nenabled = true\n")
        #expect(found.count == 1)
        #expect(found.first?.key == "alibaba_push.enabled")
        #expect(found.first?.line == 2)
        #expect(found.first?.message.contains("token") == true)
    }

    @Test(arguments: ["short", "has a space in it 0123", "ümlaut-0123456789abcdef", "slash/0123456789abcdef"])
    func aTokenThatIsShortOrNotURLSafeIsRefusedWithoutShowingIt(token: String) {
        let found = errors(loading: "[alibaba_push]\nenabled = true\ntoken = \"\(token)\"\n")
        #expect(found.map(\.key) == ["alibaba_push.token"])
        #expect(found.first?.line == 3)
        #expect(found.first?.message.contains(token) == false)
    }

    @Test func aTokenFromTheEnvironmentWorks() throws {
        let push = try load("[alibaba_push]\nenabled = true\ntoken_env = \"PUSH_TOKEN\"\n",
                            environment: ["PUSH_TOKEN": Self.token]).configuration.alibabaPush
        #expect(push.token?.reveal() == Self.token)
    }

    @Test func aBadAddressBlockNamesItsPosition() {
        let found = errors(loading: "[alibaba_push]\nallow_from = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n")
        #expect(found.map(\.key) == ["alibaba_push.allow_from"])
        #expect(found.first?.message.contains("element 2") == true)
        #expect(found.first?.line == 2)
    }

    @Test func allowFromFromTheEnvironmentIsCommaSeparated() throws {
        let push = try load("", environment: ["SMSLEDGER_ALIBABA_PUSH_ALLOW_FROM": "10.0.0.0/8, ::1"]).configuration.alibabaPush
        #expect(push.allowFrom.map(\.description) == ["10.0.0.0/8", "::1/128"])
    }

    @Test func pushNeedsTheListener() {
        let found = errors(loading: "[http]\nenabled = false\n[alibaba_push]\nenabled = true\ntoken = \"\(Self.token)\"\n")
        #expect(found.map(\.key) == ["alibaba_push.enabled"])
    }

    /// `alibaba_push` is the one section with `_` in its name; no two keys may share a variable.
    @Test func everyKeyHasItsOwnEnvironmentVariable() {
        let variables = ConfigurationSchema.specs.map(\.key.environmentVariable)
        #expect(Set(variables).count == variables.count)
    }

    @Test func theEffectiveConfigShowsThePushSectionAndLoadsBack() throws {
        var text = try load("[alibaba_push]\nallow_from = [\"10.1.0.0/16\"]\npath_prefix = \"/p\"\n").configuration
        let rendered = ConfigLoader.effectiveConfigText(text)
        #expect(rendered.contains("[alibaba_push]"))
        text = try load(rendered).configuration
        #expect(text.alibabaPush.allowFrom.map(\.description) == ["10.1.0.0/16"])
        #expect(text.alibabaPush.pathPrefix == "/p")
    }
}

@Suite("Source address blocks")
struct SourceNetworkTests {
    @Test(arguments: [
        ("100.104.0.0/16", "100.104.255.1", true), ("100.104.0.0/16", "100.105.0.1", false),
        ("10.0.0.0/8", "::ffff:10.9.8.7", true), ("192.0.2.7", "192.0.2.7", true), ("192.0.2.7", "192.0.2.8", false),
        ("2001:db8::/32", "2001:db8:1::5", true), ("2001:db8::/32", "2001:db9::5", false), ("0.0.0.0/0", "8.8.8.8", true),
        ("10.0.0.0/8", "not an address", false), ("::1/128", "127.0.0.1", false), ("100.64.0.0/10", "100.127.255.255", true),
    ])
    func membership(block: String, address: String, inside: Bool) throws {
        let network = try #require(SourceNetwork(block))
        #expect(network.contains(address: address) == inside)
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0/8", "", "/8", "::1/129", "10.0.0.0/-1", "10.0.0.0/ 8", "host.example"])
    func malformedBlocksAreRefused(text: String) {
        #expect(SourceNetwork(text) == nil)
    }

    @Test func hostBitsAreCleared() throws {
        #expect(try #require(SourceNetwork("10.1.2.3/8")).description == "10.0.0.0/8")
    }
}

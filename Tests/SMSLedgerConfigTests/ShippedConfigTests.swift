import Foundation
import Testing
@testable import SMSLedgerConfig

/// The files in Config/ are documentation an operator copies; they must stay loadable and complete.
@Suite("Shipped config files")
struct ShippedConfigTests {
    /// `Config/` at the repository root, found from this source file (tests run from the repository).
    private static let configDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config").path

    private static func path(_ name: String) -> String { (configDirectory as NSString).appendingPathComponent(name) }

    /// The example is rendered from the one declaration of every key (`SettingsCatalogue`); a key
    /// added there without regenerating the file fails here: `smsledger check-config --example > Config/smsledger.toml`.
    @Test func exampleIsWhatTheCatalogueRenders() throws {
        let text = try String(contentsOfFile: Self.path("smsledger.toml"), encoding: .utf8)
        #expect(text == ExampleConfigText.render())
    }

    @Test func everyKeyIsDeclaredOnceWithHelp() {
        let keys = SettingsCatalogue.all.map(\.key.dotted)
        #expect(Set(keys).count == keys.count)
        for setting in SettingsCatalogue.all {
            #expect(!setting.help.isEmpty && setting.help.allSatisfy { $0.count <= 110 }, "\(setting.key)")
        }
    }

    @Test func exampleLoadsAsTheDefaults() throws {
        let loaded = try ConfigLoader.load(path: Self.path("smsledger.toml"), environment: [:])
        #expect(loaded.configuration == SMSLedgerConfiguration())
        #expect(loaded.warnings.isEmpty)
    }

    /// Every commented-out `# key = value` line of the example as `section.key`, with the range the
    /// comment lines above it state, as in `(1...64)`, if any.
    private static func documentedKeys() throws -> [(key: String, statedRange: String?)] {
        let text = try String(contentsOfFile: path("smsledger.toml"), encoding: .utf8)
        var section = ""
        var statedRange: String?
        var keys: [(key: String, statedRange: String?)] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()) }
            if let match = line.firstMatch(of: /^# .*\(([0-9.]+\.\.\.[0-9.]+)\)/) { statedRange = String(match.1) }
            if let match = line.wholeMatch(of: /# ([a-z_]+) = .*/) {
                keys.append(("\(section).\(match.1)", statedRange))
                statedRange = nil
            }
        }
        return keys
    }

    @Test func exampleDocumentsEveryKeyWithItsDefaultInItsSection() throws {
        let documented = Set(try Self.documentedKeys().map(\.key))
        #expect(documented == Set(ConfigurationSchema.specs.map(\.key.dotted)))
    }

    @Test func exampleWithEveryDefaultUncommentedStillLoadsAsTheDefaults() throws {
        let text = try String(contentsOfFile: Self.path("smsledger.toml"), encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.wholeMatch(of: /# [a-z_]+ = .*/) != nil ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        let loaded = try load(uncommented)
        #expect(loaded.configuration == SMSLedgerConfiguration())
    }

    /// A comment that states a key's range, `(1...64)`, is the operator's reference: it must be the
    /// range the loader enforces, as its error messages print it (it was not checked while
    /// `pollers_per_queue` went from 16 to 64).
    @Test func rangesInTheCommentsAreTheLoadersRanges() throws {
        let stated = try Self.documentedKeys().compactMap { entry in entry.statedRange.map { (entry.key, $0) } }
        for (key, range) in stated {
            let spec = try #require(ConfigurationSchema.specs.first { $0.key.dotted == key })
            #expect(spec.kind.expectation.hasSuffix(" " + range),
                    "\(key): the comment says \(range), the loader expects \(spec.kind.expectation)")
        }
        #expect(stated.count >= 14)
    }

    @Test func demoLoadsWithTheEmulatorSettings() throws {
        let loaded = try ConfigLoader.load(path: Self.path("smsledger.demo.toml"), environment: [:])
        let config = loaded.configuration
        #expect(config.alibaba.accessKeyID == "demo-access-key")
        #expect(config.alibaba.accessKeySecret?.reveal() == "demo-secret")
        for endpoint in [config.alibaba.mnsEndpoint, config.alibaba.dybaseapiEndpoint, config.alibaba.dysmsapiEndpoint] {
            #expect(endpoint.absoluteString == "http://127.0.0.1:18790")
        }
        #expect(config.queues.smsReport.name == "Alicom-Queue-1234567890123456-SmsReport")
        #expect(config.queues.smsUp.name == "Alicom-Queue-1234567890123456-SmsUp")
        #expect(config.polling.wait == .seconds(2))
        #expect(config.store.path == "./demo-ledger.sqlite")
        #expect(config.http.listen == ListenAddress(host: "127.0.0.1", port: 18791))
        #expect(config.compensation.firstCheckAfter == .seconds(5))
        #expect(config.compensation.backoff == [.seconds(5), .seconds(10)])
        #expect(config.compensation.interval == .seconds(2))
        #expect(config.webhooks.endpoints.map(\.name) == ["demo-app"])
        // The access key secret and the demo endpoint's signing secret, both inline on purpose.
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings.allSatisfy { $0.hasPrefix("inline secret in \(Self.path("smsledger.demo.toml")):") })
    }
}

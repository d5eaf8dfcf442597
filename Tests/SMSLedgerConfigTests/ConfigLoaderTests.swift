import Foundation
import Testing
@testable import SMSLedgerConfig

@Suite("Loading the config file")
struct ConfigLoaderTests {
    @Test func emptyFileGivesTheDefaults() throws {
        let loaded = try load("")
        #expect(loaded.configuration == SMSLedgerConfiguration())
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.configuration.polling.wait == .seconds(30))
        #expect(loaded.configuration.compensation.backoff == [.seconds(3600), .seconds(14400), .seconds(43200), .seconds(86400)])
    }

    @Test func typedValuesReachTheConfiguration() throws {
        let config = try load("""
            [alibaba]
            mns_endpoint = "http://127.0.0.1:18790"
            request_timeout_seconds = 20
            [polling]
            wait_seconds = 5
            [store]
            synchronous = "NORMAL"
            busy_timeout_ms = 250
            [compensation]
            max_qps = 2
            backoff_seconds = [
              60,
              120,
            ]
            [logging]
            level = "debug"
            format = "text"
            """).configuration
        #expect(config.alibaba.mnsEndpoint.absoluteString == "http://127.0.0.1:18790")
        #expect(config.alibaba.requestTimeout == .seconds(20))
        #expect(config.polling.wait == .seconds(5))
        #expect(config.store.synchronous == .normal)
        #expect(config.store.busyTimeout == .milliseconds(250))
        #expect(config.compensation.maxQPS == 2.0)
        #expect(config.compensation.backoff == [.seconds(60), .seconds(120)])
        #expect(config.logging.level == .debug)
        #expect(config.logging.resolvedFormat == .text)
    }

    @Test func unknownKeyNamesFileLineAndSuggestsTheClosestKey() throws {
        let found = errors(loading: "[polling]\n\nwait_secs = 5\n")
        let error = try #require(found.first)
        #expect(found.count == 1)
        #expect(error.message == "unknown key 'polling.wait_secs' at test.toml:3 (did you mean 'wait_seconds'?)")
        #expect(error.file == "test.toml")
        #expect(error.line == 3)
        #expect(error.key == "polling.wait_secs")
    }

    @Test func keyInTheWrongSectionSaysWhereItBelongs() throws {
        let error = try #require(errors(loading: "[polling]\nlisten = '127.0.0.1:1'\n").first)
        #expect(error.message == "unknown key 'polling.listen' at test.toml:2 (it belongs in [http])")
    }

    @Test func unknownSectionIsAnErrorWithSuggestion() throws {
        let error = try #require(errors(loading: "[pollng]\nwait_seconds = 5\n").first)
        #expect(error.message == "unknown section [pollng] at test.toml:1 (did you mean [polling]?)")
    }

    @Test func keyBeforeAnySectionSaysWhichSectionToUse() throws {
        let error = try #require(errors(loading: "wait_seconds = 5\n").first)
        #expect(error.message == "key 'wait_seconds' at test.toml:1 is outside any section; put it under [polling]")
    }

    @Test func wrongTypeNamesTheExpectedType() throws {
        let error = try #require(errors(loading: "[polling]\nwait_seconds = \"5\"\n").first)
        #expect(error.message == "polling.wait_seconds at test.toml:2: expected an integer in 1...30, got \"5\"")
        let flag = try #require(errors(loading: "[http]\nenabled = 1\n").first)
        #expect(flag.message == "http.enabled at test.toml:2: expected true or false, got 1")
    }

    @Test func outOfRangeNamesTheRange() throws {
        let error = try #require(errors(loading: "[polling]\nbatch_size = 17\n").first)
        #expect(error.message == "polling.batch_size at test.toml:2: expected an integer in 1...16, got 17")
        let qps = try #require(errors(loading: "[compensation]\nmax_qps = 0.01\n").first)
        #expect(qps.message.contains("expected a number in 0.1...5000, got 0.01"))
    }

    @Test func pollersPerQueueGoesUpTo64() throws {
        #expect(try load("[polling]\npollers_per_queue = 64\n").configuration.polling.pollersPerQueue == 64)
        let error = try #require(errors(loading: "[polling]\npollers_per_queue = 65\n").first)
        #expect(error.message == "polling.pollers_per_queue at test.toml:2: expected an integer in 1...64, got 65")
    }

    @Test func badArrayElementIsNamedByPosition() throws {
        let error = try #require(errors(loading: "[compensation]\nbackoff_seconds = [60, 0]\n").first)
        #expect(error.message == "compensation.backoff_seconds at test.toml:2: element 2: expected an integer in 1...2592000, got 0")
        let empty = try #require(errors(loading: "[compensation]\nbackoff_seconds = []\n").first)
        #expect(empty.message.contains("got an empty array"))
    }

    @Test func invalidChoiceListsTheChoices() throws {
        let error = try #require(errors(loading: "[store]\nsynchronous = \"fast\"\n").first)
        #expect(error.message == "store.synchronous at test.toml:2: expected one of off|normal|full|extra, got \"fast\"")
    }

    @Test func duplicateKeyIsAConfigurationError() throws {
        let error = try #require(errors(loading: "[store]\npath = 'a'\npath = 'b'\n").first)
        #expect(error.message == "syntax error at test.toml:3: duplicate key 'store.path' (first set at line 2)")
        #expect(error.line == 3)
    }

    @Test func collectsEveryErrorInLineOrder() {
        let found = errors(loading: "[polling]\nwait_seconds = 99\nbatch_size = 0\n[store]\npath = \n[nope]\n")
        #expect(found.map(\.line) == [2, 3, 5, 6])
        let description = ConfigurationErrors(found).description
        #expect(description.hasPrefix("configuration has 4 errors:\n  - polling.wait_seconds at test.toml:2"))
    }

    @Test func missingFileNamesThePath() throws {
        let path = "/nonexistent/smsledger-\(UUID().uuidString).toml"
        #expect {
            try ConfigLoader.load(path: path, environment: [:])
        } throws: { error in
            (error as? ConfigurationErrors)?.errors.map(\.message) == ["config file \(path) does not exist"]
        }
        #expect(ConfigurationErrors.exitCode == 78)
    }

    @Test func loadsFromAFileOnDisk() throws {
        let directory = try ScratchDirectory()
        let path = try directory.write("smsledger.toml", "[polling]\nwait_seconds = 7\n", mode: 0o644)
        let loaded = try ConfigLoader.load(path: path, environment: [:])
        #expect(loaded.configuration.polling.wait == .seconds(7))
        #expect(loaded.path == path)
    }

    @Test func endpointMustBeAnHTTPURL() throws {
        let error = try #require(errors(loading: "[alibaba]\ndysmsapi_endpoint = \"ftp://x\"\n").first)
        #expect(error.message == "alibaba.dysmsapi_endpoint at test.toml:2: expected an http:// or https:// URL, got \"ftp://x\"")
    }

    @Test func queueNamesAreDerivedFromTheAccountUIDUnlessGivenExplicitly() throws {
        let config = try load("[queues]\naccount_uid = \"1092397003988387\"\nsms_up = \"MyQueue\"\nsms_report_enabled = false\n")
            .configuration
        #expect(config.queues.smsReport == QueueSubscription(name: "Alicom-Queue-1092397003988387-SmsReport", enabled: false))
        #expect(config.queues.smsUp == QueueSubscription(name: "MyQueue", enabled: true))
    }

    @Test func accountUIDMustBeDigits() throws {
        let error = try #require(errors(loading: "[queues]\naccount_uid = \"12ab\"\n").first)
        #expect(error.message.contains("expected the numeric Aliyun account UID"))
    }

    @Test func enabledQueueWithoutANameIsWarnedAboutWhenAlibabaIsConfigured() throws {
        let warnings = try load("[alibaba]\naccess_key_id = \"id\"\naccess_key_secret = \"s\"\n").warnings
        #expect(warnings.contains { $0.contains("SmsReport queue is enabled but has no name") })
        #expect(warnings.contains { $0.contains("SmsUp queue is enabled but has no name") })
    }

    @Test func autoLogFormatFollowsJournalStream() throws {
        #expect(try load("", environment: ["JOURNAL_STREAM": "8:12345"]).configuration.logging.resolvedFormat == .journal)
        #expect(try load("", environment: [:]).configuration.logging.resolvedFormat == .text)
        let pinned = try load("[logging]\nformat = \"text\"\n", environment: ["JOURNAL_STREAM": "8:1"]).configuration
        #expect(pinned.logging.resolvedFormat == .text)
    }

    @Test func callbackPathMustStartWithSlash() throws {
        let error = try #require(errors(loading: "[http]\ntelesign_callback_path = \"cb\"\n").first)
        #expect(error.message == "http.telesign_callback_path at test.toml:2: must start with '/', got \"cb\"")
    }
}

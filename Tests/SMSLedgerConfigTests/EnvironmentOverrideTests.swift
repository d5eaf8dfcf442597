import Testing
@testable import SMSLedgerConfig

@Suite("SMSLEDGER_* environment overrides")
struct EnvironmentOverrideTests {
    @Test func overridesApplyWithTheKeysType() throws {
        let config = try load("", environment: [
            "SMSLEDGER_POLLING_WAIT_SECONDS": "5",
            "SMSLEDGER_STORE_PATH": "/tmp/x.sqlite",
            "SMSLEDGER_COMPENSATION_BACKOFF_SECONDS": "3600, 14400",
            "SMSLEDGER_COMPENSATION_ENABLED": "false",
            "SMSLEDGER_COMPENSATION_MAX_QPS": "2.5",
            "SMSLEDGER_LOGGING_LEVEL": "debug",
        ]).configuration
        #expect(config.polling.wait == .seconds(5))
        #expect(config.store.path == "/tmp/x.sqlite")
        #expect(config.compensation.backoff == [.seconds(3600), .seconds(14400)])
        #expect(config.compensation.enabled == false)
        #expect(config.compensation.maxQPS == 2.5)
        #expect(config.logging.level == .debug)
    }

    @Test func environmentWinsOverTheFile() throws {
        let config = try load("[polling]\nwait_seconds = 20\n", environment: ["SMSLEDGER_POLLING_WAIT_SECONDS": "3"])
            .configuration
        #expect(config.polling.wait == .seconds(3))
    }

    @Test func unparsableValueNamesTheVariableAndTheExpectation() throws {
        let error = try #require(errors(loading: "", environment: ["SMSLEDGER_POLLING_WAIT_SECONDS": "abc"]).first)
        #expect(error.message == "environment SMSLEDGER_POLLING_WAIT_SECONDS: expected an integer in 1...30, got 'abc'")
        #expect(error.environmentVariable == "SMSLEDGER_POLLING_WAIT_SECONDS")
        #expect(error.file == nil && error.line == nil)
        #expect(error.key == "polling.wait_seconds")
    }

    @Test func outOfRangeValueNamesTheVariable() throws {
        let error = try #require(errors(loading: "", environment: ["SMSLEDGER_POLLING_WAIT_SECONDS": "45"]).first)
        #expect(error.message == "environment SMSLEDGER_POLLING_WAIT_SECONDS: expected an integer in 1...30, got 45")
    }

    @Test func badListElementIsRefused() throws {
        let error = try #require(errors(loading: "", environment: ["SMSLEDGER_COMPENSATION_BACKOFF_SECONDS": "60,x"]).first)
        #expect(error.message.hasPrefix("environment SMSLEDGER_COMPENSATION_BACKOFF_SECONDS: expected a non-empty array"))
    }

    @Test func unknownPrefixedVariableIsAnErrorWithSuggestion() throws {
        let error = try #require(errors(loading: "", environment: ["SMSLEDGER_POLLING_WAIT_SECS": "5"]).first)
        #expect(error.message == "environment SMSLEDGER_POLLING_WAIT_SECS: no such setting (did you mean SMSLEDGER_POLLING_WAIT_SECONDS?)")
    }

    @Test func configPathVariableAndUnprefixedVariablesAreIgnored() {
        #expect(errors(loading: "", environment: ["SMSLEDGER_CONFIG": "/etc/x.toml", "POLLING_WAIT_SECONDS": "x"]).isEmpty)
    }
}

import Testing
@testable import SMSLedgerConfig

@Suite("[metrics]")
struct MetricsConfigTests {
    @Test func byDefaultMetricsAreOnTheListenerAndASilentQueueIsAnHour() throws {
        let metrics = try load("").configuration.metrics
        #expect(metrics.enabled)
        #expect(metrics.listen == .listener)
        #expect(metrics.silentQueueAfter == .seconds(3600))
    }

    @Test func anAddressOfTheirOwnIsParsedLikeTheListeners() throws {
        let metrics = try load("[metrics]\nlisten = \"127.0.0.1:9787\"\nsilent_queue_after_seconds = 600\n").configuration.metrics
        #expect(metrics.listen == .separate(ListenAddress(host: "127.0.0.1", port: 9787)))
        #expect(metrics.silentQueueAfter == .seconds(600))
    }

    @Test func aMalformedAddressNamesTheKeyAndLine() throws {
        let error = try #require(errors(loading: "[metrics]\nlisten = \"9787\"\n").first)
        #expect(error.key == "metrics.listen")
        #expect(error.message.hasPrefix("metrics.listen at test.toml:2: expected \"listener\" or host:port"))
    }

    @Test func aSilencePeriodBelowFiveMinutesIsRefused() throws {
        let error = try #require(errors(loading: "[metrics]\nsilent_queue_after_seconds = 10\n").first)
        #expect(error.key == "metrics.silent_queue_after_seconds")
    }

    @Test func onTheListenerWithTheListenerOffIsAWarningSoOldConfigsStillStart() throws {
        let loaded = try load("[http]\nenabled = false\n")
        #expect(loaded.warnings.contains { $0.contains("/metrics is not served") })
    }
}

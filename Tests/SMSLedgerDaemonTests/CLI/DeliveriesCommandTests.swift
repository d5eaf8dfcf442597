import Foundation
import LedgerStore
import SMSLedgerCore
import Testing

/// `smsledger deliveries` as an operator runs it against a ledger with an outbox.
@Suite("smsledger deliveries")
struct DeliveriesCommandTests {
    /// Endpoints `orders` and `crm`; two replies, so two events, each delivered to neither yet.
    static func makeLedger(in directory: URL) async throws -> String {
        let path = directory.appendingPathComponent("ledger.sqlite").path
        var options = SQLiteLedgerOptions()
        options.webhookEvents = true
        let store = try SQLiteLedgerStore(at: path, options: options)
        try await store.registerWebhookEndpoints(["crm", "orders"])
        _ = try await store.commit(LedgerBatch(replies: (1...2).map { index in
            Received(InboundMessage(phoneNumber: "1380000000\(index)", content: "TD", sentAt: Date(), destCode: "1",
                                    sequenceId: "\(index)", signName: nil, rawBody: Data("{}".utf8)))
        }))
        let claimed = try await store.claimWebhookDeliveries(endpoint: "crm", types: Set(WebhookEventType.allCases),
                                                             now: Date(), leaseUntil: Date() + 30, limit: 10)
        try await store.recordWebhookAttempts(claimed.map {
            WebhookAttemptRecord(endpoint: "crm", sequence: $0.sequence, attemptedAt: Date(), httpStatus: 500,
                                 error: "HTTP 500", next: .dead)
        })
        await store.close()
        return path
    }

    @Test func theSummaryShowsEachEndpointWithItsDeadAndLastError() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try await Self.makeLedger(in: directory)
        let result = try CommandLineTests.run(["deliveries", "--store", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains(#""endpoint":"crm""#) == true)
        #expect(lines.first?.contains(#""dead":2"#) == true)
        #expect(lines.first?.contains(#""last_error":"HTTP 500""#) == true)
        #expect(lines.last?.contains(#""backlog":2"#) == true)
    }

    @Test func replayQueuesDeadDeliveriesAgainAndDisableEnableRoundTrips() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try await Self.makeLedger(in: directory)
        let replay = try CommandLineTests.run(["deliveries", "replay", "--store", path, "--event", "evt_1", "--endpoint", "crm"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout == "1 deliveries queued again\n")
        #expect(try CommandLineTests.run(["deliveries", "disable", "--store", path, "--endpoint", "orders"]).status == 0)
        let store = try SQLiteLedgerStore(readOnlyAt: path)
        let summary = try await store.webhookDeliverySummary()
        await store.close()
        #expect(summary.map(\.dead) == [1, 0])
        #expect(summary.map(\.pending) == [1, 0])
        #expect(summary.last?.disabledReason == "disabled by an operator")
        #expect(try CommandLineTests.run(["deliveries", "enable", "--store", path, "--endpoint", "orders"]).stdout == "orders enabled\n")
    }

    @Test func unknownEndpointsAndBadIdsAreErrors() async throws {
        let directory = try CommandLineTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try await Self.makeLedger(in: directory)
        let unknown = try CommandLineTests.run(["deliveries", "enable", "--store", path, "--endpoint", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no endpoint named 'nope'"))
        let badId = try CommandLineTests.run(["deliveries", "replay", "--store", path, "--event", "msg_x"])
        #expect(badId.status != 0)
        #expect(badId.stderr.contains("is not an event id like evt_123"))
        let both = try CommandLineTests.run(["deliveries", "replay", "--store", path, "--event", "evt_1", "--since", "1h"])
        #expect(both.stderr.contains("exactly one of --event and --since"))
    }
}

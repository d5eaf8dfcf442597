import Foundation
import Parsers
import SMSLedgerCore
import Testing
@testable import LedgerStore

/// The outbox written by the ledger writer, and the delivery state the worker moves through.
@Suite("Webhook outbox")
struct WebhookOutboxTests {
    static let all = Set(WebhookEventType.allCases)

    /// A store that writes events, with endpoint `a` registered before anything was committed.
    /// A store that writes events, with the endpoints registered before anything was committed, each
    /// subscribed to every type unless `types` says otherwise (as the daemon registers its config).
    private func withOutbox(_ backend: Backend, events: Bool = true, endpoints: [String] = ["a"],
                            types: [String: Set<WebhookEventType>] = [:],
                            _ body: (any LedgerStore & WebhookOutbox) async throws -> Void) async throws {
        let store = try await backend.open(webhookEvents: events)
        try await store.registerWebhookEndpoints(Dictionary(uniqueKeysWithValues: endpoints.map { ($0, types[$0] ?? Self.all) }))
        do { try await body(store) } catch {
            await backend.discard(store)
            throw error
        }
        await backend.discard(store)
    }

    private func claim(_ store: any WebhookOutbox, _ endpoint: String = "a", types: Set<WebhookEventType> = all,
                       at seconds: TimeInterval = 400, limit: Int = 100) async throws -> [ClaimedDelivery] {
        try await store.claimWebhookDeliveries(endpoint: endpoint, types: types, now: Sample.at(seconds),
                                               leaseUntil: Sample.at(seconds + 30), limit: limit)
    }

    private func data(_ delivery: ClaimedDelivery) throws -> JSONObject {
        let body = try #require(try JSONValue.parse(delivery.body).objectValue)
        #expect(body["type"]?.stringValue == delivery.type?.rawValue)
        return try #require(body["data"]?.objectValue)
    }

    @Test(arguments: Backend.available)
    func aFinalReceiptGivesAReceiptEventThenASettledEventForItsSend(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: .pending, reportedAt: 30)]))
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], receivedAt: 310))
            let claimed = try await claim(store)
            #expect(claimed.map(\.type) == [.receipt, .receipt, .sendSettled])
            let settled = try data(claimed[2])
            #expect(settled["state"]?.stringValue == "delivered")
            #expect(settled["settled_by"]?.stringValue == "receipt")
            #expect(settled["receipt_id"] == (try data(claimed[1]))["receipt_id"])
            #expect(settled["send_id"] == (try data(claimed[0]))["send_id"])
            #expect(claimed.map(\.eventID) == ["evt_1", "evt_2", "evt_3"])
        }
    }

    @Test(arguments: Backend.available)
    func duplicatesAndLateNewsAfterTheFinalStateAddNoSettledEvent(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            let receipt = Sample.receipt()
            _ = try await store.commit(Sample.batch(receipts: [receipt]))
            _ = try await store.commit(Sample.batch(receipts: [receipt]))
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(status: Sample.failedStatus, reportedAt: 90)]))
            let types = try await claim(store).map(\.type)
            #expect(types == [.receipt, .sendSettled, .receipt])
        }
    }

    @Test(arguments: Backend.available)
    func repliesAndNewQuarantinedBodiesHaveEventsButARepeatedBodyDoesNot(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(content: "退订")], quarantine: [Sample.quarantine()]))
            _ = try await store.commit(Sample.batch(quarantine: [Sample.quarantine()]))
            let claimed = try await claim(store)
            #expect(claimed.map(\.type) == [.reply, .quarantined])
            #expect(try data(claimed[0])["content"]?.stringValue == "退订")
            #expect(try data(claimed[1])["reason"]?.stringValue == "bad JSON")
        }
    }

    @Test(arguments: Backend.available)
    func withoutEndpointsConfiguredNoEventIsWritten(_ backend: Backend) async throws {
        try await withOutbox(backend, events: false) { store in
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
            #expect(try await claim(store).isEmpty)
        }
    }

    @Test func aBatchThatRollsBackLeavesNoEvent() async throws {
        try await withOutbox(.sqlite) { store in
            // A NULL in a NOT NULL column of the second item fails the whole transaction.
            try await #require(store as? SQLiteLedgerStore).withWriteConnection { connection in
                try connection.exec("CREATE TRIGGER fail_reply BEFORE INSERT ON replies BEGIN SELECT RAISE(ABORT, 'boom'); END")
            }
            await #expect(throws: (any Error).self) {
                _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
            }
            #expect(try await claim(store).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func compensationClosingASendAtTheWindowEmitsSettledUnknownOnce(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(sends: [Sample.send()]))
            let key = SendKey(provider: .alibaba, bizId: "biz-1", phoneNumber: "13800000001")
            let close = SendCheck(send: key, checkedAt: Sample.at(500), outcome: .close(reason: "older than 30 days"))
            try await store.markChecked([close])
            try await store.markChecked([close])
            let claimed = try await claim(store, at: 600)
            #expect(claimed.map(\.type) == [.sendSettled])
            let settled = try data(claimed[0])
            #expect(settled["state"]?.stringValue == "unknown")
            #expect(settled["settled_by"]?.stringValue == "closed")
            #expect(settled["closed_reason"]?.stringValue == "older than 30 days")
            #expect(settled["out_id"]?.stringValue == "out-1")
        }
    }

    @Test(arguments: Backend.available)
    func anEndpointReceivesOnlyTheTypesItWantsAndEachEndpointItsOwnCopy(_ backend: Backend) async throws {
        try await withOutbox(backend, endpoints: ["a", "b"], types: ["a": [.reply]]) { store in
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
            #expect(try await claim(store, "a", types: [.reply]).map(\.type) == [.reply])
            #expect(try await claim(store, "b").map(\.type) == [.receipt, .sendSettled, .reply])
        }
    }

    @Test(arguments: Backend.available)
    func anEndpointAddedLaterGetsEventsFromThenOn(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "1")]))
            try await store.registerWebhookEndpoints(["late"])
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "2")]))
            #expect(try await claim(store, "late").map(\.sequence) == [2])
        }
    }

    @Test(arguments: Backend.available)
    func aClaimedDeliveryIsLeasedUntilItsLeaseEnds(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply()]))
            #expect(try await claim(store, at: 400).count == 1)
            #expect(try await claim(store, at: 410).isEmpty)
            let again = try await claim(store, at: 431)
            #expect(again.map(\.sequence) == [1])
            #expect(again.first?.attempts == 0)
        }
    }

    @Test(arguments: Backend.available)
    func outcomesMoveDeliveriesAndTheSummaryCountsThem(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "1"), Sample.reply(sequence: "2"),
                                                              Sample.reply(sequence: "3")]))
            let claimed = try await claim(store)
            try await store.recordWebhookAttempts([
                WebhookAttemptRecord(endpoint: "a", sequence: claimed[0].sequence, attemptedAt: Sample.at(401),
                                     httpStatus: 200, error: nil, next: .delivered),
                WebhookAttemptRecord(endpoint: "a", sequence: claimed[1].sequence, attemptedAt: Sample.at(401),
                                     httpStatus: 500, error: "HTTP 500", next: .retry(at: Sample.at(1000))),
                WebhookAttemptRecord(endpoint: "a", sequence: claimed[2].sequence, attemptedAt: Sample.at(402),
                                     httpStatus: nil, error: "Timeout", next: .dead),
            ])
            let summary = try #require(try await store.webhookDeliverySummary().first)
            #expect((summary.pending, summary.failing, summary.dead, summary.delivered) == (1, 1, 1, 1))
            #expect(summary.lastError == "Timeout")
            #expect(try await claim(store, at: 999).isEmpty)
            let retried = try await claim(store, at: 1000)
            #expect(retried.map(\.sequence) == [claimed[1].sequence])
            #expect(retried.first?.attempts == 1)
        }
    }

    @Test(arguments: Backend.available)
    func replayMakesDeadAndDeliveredEventsPendingWithAFreshSchedule(_ backend: Backend) async throws {
        try await withOutbox(backend, endpoints: ["a", "b"]) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "1"), Sample.reply(sequence: "2")]))
            let first = try #require(try await claim(store, "a", limit: 1).first)
            try await store.recordWebhookAttempts([WebhookAttemptRecord(
                endpoint: "a", sequence: first.sequence, attemptedAt: Sample.at(401), httpStatus: 500, error: "HTTP 500",
                next: .dead)])
            let count = try await store.replayWebhookEvents(
                WebhookReplaySelection(events: .one(sequence: first.sequence), endpoint: "a"), now: Sample.at(500))
            #expect(count == 1)
            // The other event was never attempted and is due anyway; the replayed one is due again.
            let again = try await claim(store, "a", at: 500)
            #expect(Set(again.map(\.sequence)) == [1, 2])
            #expect(again.first { $0.sequence == first.sequence }?.attempts == 0)
            let since = try await store.replayWebhookEvents(
                WebhookReplaySelection(events: .since(Sample.at(0)), endpoint: nil), now: Sample.at(600))
            #expect(since == 4)
        }
    }

    @Test(arguments: Backend.available)
    func replayGivesEachEndpointOnlyTheTypesItAskedFor(_ backend: Backend) async throws {
        try await withOutbox(backend, endpoints: ["receipts", "all"], types: ["receipts": [.receipt]]) { store in
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "r")], replies: [Sample.reply()]))
            let count = try await store.replayWebhookEvents(WebhookReplaySelection(
                events: .since(Sample.at(0)), endpoint: nil, eventTypes: ["receipts": [.receipt]]), now: Sample.at(500))
            let toReceipts = try await store.claimWebhookDeliveries(
                endpoint: "receipts", types: [.receipt], now: Sample.at(500), leaseUntil: Sample.at(900), limit: 100)
            #expect(Set(toReceipts.compactMap(\.type)) == [.receipt])
            let toAll = try await claim(store, "all", at: 500)
            #expect(Set(toAll.compactMap(\.type)).isSuperset(of: [.receipt, .reply]))
            #expect(count == toReceipts.count + toAll.count)
        }
    }

    @Test(arguments: Backend.available)
    func aDisabledEndpointClaimsNothingUntilEnabled(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply()]))
            #expect(try await store.setWebhookEndpoint("a", disabledReason: "410 Gone", at: Sample.at(350)))
            #expect(try await claim(store).isEmpty)
            #expect(try await store.webhookDeliverySummary().first?.disabledReason == "410 Gone")
            #expect(try await store.setWebhookEndpoint("a", disabledReason: nil, at: Sample.at(360)))
            #expect(try await claim(store).count == 1)
            #expect(try await store.setWebhookEndpoint("nope", disabledReason: nil, at: Sample.at(360)) == false)
        }
    }

    @Test(arguments: Backend.available)
    func pruningDropsDeliveredEventsButKeepsDeadOnesAndNeverReusesIds(_ backend: Backend) async throws {
        try await withOutbox(backend) { store in
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "1"), Sample.reply(sequence: "2")]))
            let claimed = try await claim(store)
            try await store.recordWebhookAttempts([
                WebhookAttemptRecord(endpoint: "a", sequence: claimed[0].sequence, attemptedAt: Sample.at(401),
                                     httpStatus: 200, error: nil, next: .delivered),
                WebhookAttemptRecord(endpoint: "a", sequence: claimed[1].sequence, attemptedAt: Sample.at(401),
                                     httpStatus: 500, error: "HTTP 500", next: .dead),
            ])
            let pruned = try await store.pruneWebhookOutbox(before: Sample.at(10_000), endpoints: ["a"])
            #expect(pruned == 1)
            let summary = try #require(try await store.webhookDeliverySummary().first)
            #expect((summary.delivered, summary.dead) == (0, 1))
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "3")]))
            #expect(try await claim(store, at: 20_000).map(\.sequence) == [3])
        }
    }

    @Test func aVersion3LedgerGainsTheOutboxAndKeepsItsRows() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(replies: [Sample.reply()]))
        try await store.withWriteConnection { connection in
            try store.rollBack(connection, to: 3)
        }
        await store.close()
        var options = SQLiteLedgerOptions()
        options.webhookEvents = true
        let reopened = try ledger.open(options)
        try await reopened.registerWebhookEndpoints(["a"])
        _ = try await reopened.commit(Sample.batch(replies: [Sample.reply(sequence: "2")]))
        #expect(try await reopened.counts().replies == 2)
        #expect(try await claim(reopened).map(\.type) == [.reply])
        await reopened.close()
    }
}

import Foundation
import Parsers
import SMSLedgerCore
import Testing
@testable import LedgerStore

/// The SQLite outbox stores receipt, settled and reply events as references and builds their bodies
/// at delivery: the bytes must be those the writer would have built from the same values, the same on
/// every attempt, and an event whose rows retention removed still goes, with its ids.
@Suite("SQLite outbox: bodies built at delivery")
struct OutboxBodiesTests {
    private func store() throws -> (TemporaryLedger, SQLiteLedgerStore) {
        let ledger = try TemporaryLedger()
        var options = SQLiteLedgerOptions()
        options.webhookEvents = true
        return (ledger, try ledger.open(options))
    }

    private func claim(_ store: SQLiteLedgerStore, at seconds: TimeInterval) async throws -> [ClaimedDelivery] {
        try await store.claimWebhookDeliveries(endpoint: "a", types: Set(WebhookEventType.allCases), now: Sample.at(seconds),
                                               leaseUntil: Sample.at(seconds + 30), limit: 100)
    }

    @Test func referenceBodiesAreTheBytesTheWriterWouldHaveBuiltOnEveryAttempt() async throws {
        let (ledger, store) = try store()
        defer { ledger.remove() }
        try await store.registerWebhookEndpoints(["a": Set(WebhookEventType.allCases)])
        let receipt = Sample.receipt(outId: "out-7", reportedAt: 40)
        let reply = Sample.reply(content: "退订, \"quoted\"\nline")
        _ = try await store.commit(Sample.batch(receipts: [receipt], replies: [reply], sends: [Sample.send()],
                                                receivedAt: 300))
        let stored = try await store.withWriteConnection { connection in
            try connection.scalarText("SELECT group_concat(type || ':' || length(body), ' ') FROM webhook_events")
        }
        #expect(stored == "sms.receipt:0 sms.send.settled:0 sms.reply:0", "references only")

        let first = try await claim(store, at: 400)
        #expect(first.map(\.type) == [.receipt, .sendSettled, .reply])
        let send = try #require(try await store.sends(LedgerQuery()).first)
        let receiptId = try #require(try await store.receipts(LedgerQuery()).first?.id)
        let replyId = try #require(try await store.replies(LedgerQuery()).first?.id)
        let at = Sample.at(300)
        let settled = SettledSend(sendId: send.id, provider: receipt.provider, bizId: receipt.bizId, outId: receipt.outId,
                                  phoneNumber: receipt.phoneNumber, status: receipt.status,
                                  providerCode: receipt.providerCode, settledBy: .receipt, receiptId: receiptId)
        #expect(first[0].body == WebhookPayload.receipt(receipt, receiptId: receiptId, sendId: send.id, receivedAt: at).body)
        #expect(first[1].body == WebhookPayload.settled(settled, at: at).body)
        #expect(first[2].body == WebhookPayload.reply(reply, replyId: replyId, receivedAt: at).body)

        // Not recorded: the leases run out and the same events are claimed again, with the same bytes.
        let again = try await claim(store, at: 500)
        #expect(again.map(\.body) == first.map(\.body))
        await store.close()
    }

    @Test func anEventWhoseRowsAreGoneGoesWithItsIdsAndSaysPruned() async throws {
        let (ledger, store) = try store()
        defer { ledger.remove() }
        try await store.registerWebhookEndpoints(["a": Set(WebhookEventType.allCases)])
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
        let receiptId = try #require(try await store.receipts(LedgerQuery()).first?.id)
        let sendId = try #require(try await store.sends(LedgerQuery()).first?.id)
        try await store.withWriteConnection { connection in
            try connection.exec("DELETE FROM receipts; DELETE FROM replies")
        }
        let claimed = try await claim(store, at: 400)
        #expect(claimed.map(\.type) == [.receipt, .sendSettled, .reply])
        for delivery in claimed {
            let body = try #require(try JSONValue.parse(delivery.body).objectValue)
            #expect(body["type"]?.stringValue == delivery.type?.rawValue)
            let data = try #require(body["data"]?.objectValue)
            #expect(data["pruned"] == .bool(true))
            if delivery.type == .reply {
                #expect(data["reply_id"] != nil && data["receipt_id"] == nil)
            } else {
                #expect(data["receipt_id"] == .number(JSONNumber(literal: "\(receiptId)")))
                #expect(data["send_id"] == .number(JSONNumber(literal: "\(sendId)")))
            }
        }
        await store.close()
    }

    /// A receipt row with a state this build does not know must not stop the endpoint: its events go
    /// with their ids and `"unreadable": true`, and the others are built as usual.
    @Test func aRowThisBuildCannotReadDoesNotBlockTheEndpoint() async throws {
        let (ledger, store) = try store()
        defer { ledger.remove() }
        try await store.registerWebhookEndpoints(["a": Set(WebhookEventType.allCases)])
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "odd", status: .pending, code: "X")]))
        _ = try await store.commit(Sample.batch(replies: [Sample.reply()]))
        try await store.withWriteConnection { try $0.exec("UPDATE receipts SET state = 'from_a_newer_build'") }
        let claimed = try await claim(store, at: 400)
        #expect(claimed.map(\.type) == [.receipt, .reply])
        let odd = try #require(try JSONValue.parse(claimed[0].body).objectValue?["data"]?.objectValue)
        #expect(odd["unreadable"] == .bool(true) && odd["receipt_id"] != nil && odd["pruned"] == nil)
        let reply = try #require(try JSONValue.parse(claimed[1].body).objectValue?["data"]?.objectValue)
        #expect(reply["content"]?.stringValue == "TD")
        await store.close()
    }
}

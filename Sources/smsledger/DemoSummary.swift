import AlicomEmulator
import Foundation
import SMSLedgerDaemon
import LedgerStore
import SMSLedgerCore

/// What the demo prints at the end: the ledger's contents, checked against the emulator's truth.
enum DemoSummary {
    static func print(storePath: String, emulator: AlicomEmulator) async throws {
        let store = try SQLiteLedgerStore(readOnlyAt: storePath)
        let sends = try await store.sends(LedgerQuery(limit: 1_000_000))
        let receipts = try await store.receipts(LedgerQuery(limit: 10))
        let replies = try await store.replies(LedgerQuery(limit: 5))
        let quarantine = try await store.quarantine(LedgerQuery(limit: 5))
        let counts = try await store.counts()
        await store.close()

        var byState: [DeliveryState: Int] = [:]
        for send in sends { byState[send.status.state, default: 0] += 1 }
        let truth = Dictionary(emulator.sends().map { ("\($0.bizId)|\($0.phoneNumber)", $0) }, uniquingKeysWith: { a, _ in a })
        var matching = 0, pending = 0
        let compensated = try await compensatedCount(storePath: storePath)
        for send in sends {
            guard let real = truth["\(send.key.bizId)|\(send.key.phoneNumber ?? "")"] else { continue }
            if !send.status.isFinal { pending += 1; continue }
            if send.status.state.rawValue == real.outcome.rawValue { matching += 1 }
        }

        FileOutput.write("""

            ── the ledger (\(storePath)) ──
            \(counts)
            sends by state: \(DeliveryState.allCases.map { "\($0.rawValue) \(byState[$0] ?? 0)" }.joined(separator: ", "))
            final states matching the emulator's ground truth: \(matching) of \(sends.count - pending)
            still pending: \(pending)
            settled by compensation (QuerySendDetails, receipt withheld): \(compensated)

            latest receipts:

            """)
        FileOutput.write(RowRendering.table(try await rows(receipts), columns: ReceiptsCommand.tableColumns))
        FileOutput.write("\nlatest replies:\n")
        FileOutput.write(RowRendering.table(replies.map { r in
            OutputRow(fields: [("received_at", r.receivedAt), ("phone_number", r.message.phoneNumber),
                               ("dest_code", r.message.destCode), ("sent_at", r.message.sentAt), ("content", r.message.content)])
        }, columns: RepliesCommand.tableColumns))
        FileOutput.write("\nquarantine:\n")
        FileOutput.write(RowRendering.table(quarantine.map { q in
            OutputRow(fields: [("last_seen", q.lastSeen), ("source", q.entry.source.rawValue), ("count", q.count),
                               ("reason", q.entry.reason), ("context", q.entry.context)])
        }, columns: QuarantineCommand.tableColumns))
        FileOutput.write("\nExplore it: swift run smsledger sends --store \(storePath) --state failed\n")
    }

    private static func compensatedCount(storePath: String) async throws -> Int {
        let store = try SQLiteLedgerStore(readOnlyAt: storePath)
        defer { Task { await store.close() } }
        return try await store.receipts(LedgerQuery(source: .compensation, limit: 1_000_000)).count
    }

    private static func rows(_ receipts: [StoredReceipt]) async throws -> [OutputRow] {
        receipts.map { stored in
            let r = stored.receipt
            return OutputRow(fields: [("received_at", stored.receivedAt), ("source", r.source.rawValue), ("biz_id", r.bizId),
                                      ("phone_number", r.phoneNumber), ("state", r.status.state.rawValue),
                                      ("final", r.status.isFinal), ("provider_code", r.providerCode),
                                      ("reported_at", r.reportedAt)])
        }
    }
}

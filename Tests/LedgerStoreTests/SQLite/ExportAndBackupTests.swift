import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// `exportPage` (keyset pages over the time indexes) and `LedgerBackup` (VACUUM INTO, checked).
@Suite("SQLite ledger: export pages and backups")
struct ExportAndBackupTests {
    /// Reads every page of `kind` with `limit` rows per page, in order.
    private func exportAll(_ store: SQLiteLedgerStore, _ kind: LedgerRecordKind, from: Date? = nil, to: Date? = nil,
                           limit: Int) async throws -> [LedgerRecord] {
        var cursor: ExportCursor?
        var records: [LedgerRecord] = []
        repeat {
            let page = try await store.exportPage(kind, from: from, to: to, after: cursor, limit: limit)
            #expect(page.records.count <= limit)
            records += page.records
            cursor = page.next
        } while cursor != nil
        return records
    }

    /// 25 replies, five to each received_at, so pages split rows that share a time.
    private func ledgerWithReplies() async throws -> (TemporaryLedger, SQLiteLedgerStore) {
        let ledger = try TemporaryLedger()
        let store = try ledger.open()
        for index in 0..<25 {
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "\(index)")],
                                                    receivedAt: TimeInterval(index / 5) * 60))
        }
        return (ledger, store)
    }

    @Test func pagesOfAnySizeReturnEveryRowOnceOldestFirst() async throws {
        let (ledger, store) = try await ledgerWithReplies()
        defer { ledger.remove() }
        for limit in [1, 3, 5, 7, 100] {
            let sequences = try await exportAll(store, .replies, limit: limit).map { record -> String in
                guard case .reply(let reply) = record else { return "?" }
                return reply.message.sequenceId
            }
            #expect(sequences == (0..<25).map(String.init), "limit \(limit)")
        }
        await store.close()
    }

    @Test func theWindowIsInclusiveBelowAndExclusiveAbove() async throws {
        let (ledger, store) = try await ledgerWithReplies()
        defer { ledger.remove() }
        let records = try await exportAll(store, .replies, from: Sample.at(60), to: Sample.at(180), limit: 4)
        #expect(records.count == 10, "received at 60 s and 120 s, not 180 s")
        await store.close()
    }

    @Test func sendsComeByTenMinuteBucketAcrossPages() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let offsets: [TimeInterval] = [3_000, 10, 1_300, 599, 2_400, 0, 4_000]
        _ = try await store.commit(Sample.batch(sends: offsets.enumerated().map {
            Sample.send(bizId: "s\($0.offset)", sentAt: $0.element)
        }))
        let sent = try await exportAll(store, .sends, from: Sample.at(0), to: Sample.at(3_600), limit: 2).map { record in
            guard case .send(let send) = record else { return -1.0 }
            return send.sentAt?.timeIntervalSince(Sample.t0) ?? -1
        }
        #expect(sent.count == 6)
        let buckets = sent.map { Int((Sample.t0.timeIntervalSince1970 + $0) * 1000) / 600_000 }
        #expect(buckets == buckets.sorted())
        await store.close()
    }

    @Test func aBackupIsACheckedLedgerWithTheSameRowsAndNeverOverwrites() async throws {
        let (ledger, store) = try await ledgerWithReplies()
        defer { ledger.remove() }
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], quarantine: [Sample.quarantine()]))
        let destination = ledger.directory.appendingPathComponent("backup.sqlite").path
        let result = try LedgerBackup.copy(from: ledger.path, to: destination)
        #expect(result.counts == (try await store.counts()))
        #expect(result.schemaVersion == LedgerSchema.latestVersion)
        #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
        let copy = try SQLiteLedgerStore(readOnlyAt: destination)
        #expect(try await copy.replies(LedgerQuery(limit: 100)).count == 25)
        await copy.close()
        #expect(throws: StoreError.self) { try LedgerBackup.copy(from: ledger.path, to: destination) }
        await store.close()
    }
}

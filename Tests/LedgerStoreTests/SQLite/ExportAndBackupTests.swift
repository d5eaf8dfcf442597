import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// `exportPage` on every backend: keyset pages over the time indexes, every row once, oldest first.
@Suite("Ledger export pages")
struct ExportPageTests {
    /// Reads every page of `kind` with `limit` rows per page, in order.
    static func exportAll(_ store: any LedgerExportSource, _ kind: LedgerRecordKind, from: Date? = nil,
                          to: Date? = nil, limit: Int) async throws -> [LedgerRecord] {
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
    static func addReplies(_ store: any LedgerStore) async throws {
        for index in 0..<25 {
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "\(index)")],
                                                    receivedAt: TimeInterval(index / 5) * 60))
        }
    }

    private func ledgerWithReplies(_ backend: Backend) async throws -> any LedgerStore & LedgerExportSource {
        let store = try await backend.open()
        try await Self.addReplies(store)
        return store
    }

    @Test(arguments: Backend.available)
    func pagesOfAnySizeReturnEveryRowOnceOldestFirst(_ backend: Backend) async throws {
        let store = try await ledgerWithReplies(backend)
        for limit in [1, 3, 5, 7, 100] {
            let sequences = try await Self.exportAll(store, .replies, limit: limit).map { record -> String in
                guard case .reply(let reply) = record else { return "?" }
                return reply.message.sequenceId
            }
            #expect(sequences == (0..<25).map(String.init), "limit \(limit)")
        }
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func theWindowIsInclusiveBelowAndExclusiveAbove(_ backend: Backend) async throws {
        let store = try await ledgerWithReplies(backend)
        let records = try await Self.exportAll(store, .replies, from: Sample.at(60), to: Sample.at(180), limit: 4)
        #expect(records.count == 10, "received at 60 s and 120 s, not 180 s")
        await backend.discard(store)
    }

    /// Sends in the window come once each, across pages, by ten-minute bucket at least (SQLite's
    /// order); PostgreSQL orders by the send time itself. The one at 4,000 s is outside the window,
    /// and a send known only from a receipt without a send time is in no window at all.
    @Test(arguments: Backend.available)
    func sendsComeInTimeOrderAcrossPages(_ backend: Backend) async throws {
        let store = try await backend.open()
        let offsets: [TimeInterval] = [3_000, 10, 1_300, 599, 2_400, 0, 4_000]
        _ = try await store.commit(Sample.batch(sends: offsets.enumerated().map {
            Sample.send(bizId: "s\($0.offset)", sentAt: $0.element)
        }))
        var undated = Sample.receipt(bizId: "undated", phone: nil)
        undated.sentAt = nil
        _ = try await store.commit(Sample.batch(receipts: [undated]))
        let sent = try await Self.exportAll(store, .sends, from: Sample.at(0), to: Sample.at(3_600), limit: 2).map { record in
            guard case .send(let send) = record else { return -1.0 }
            return send.sentAt?.timeIntervalSince(Sample.t0) ?? -1
        }
        #expect(sent.sorted() == [0, 10, 599, 1_300, 2_400, 3_000])
        let buckets = sent.map { Int((Sample.t0.timeIntervalSince1970 + $0) * 1000) / 600_000 }
        #expect(buckets == buckets.sorted())
        if backend == .postgresql { #expect(sent == sent.sorted()) }
        #expect(try await Self.exportAll(store, .sends, limit: 100).count == 7, "all dated sends, not the undated one")
        await backend.discard(store)
    }

    /// Receipts by received_at and quarantine by last_seen, whatever order they were written in.
    @Test(arguments: Backend.available)
    func receiptsAndQuarantineComeByTheirTimeColumn(_ backend: Backend) async throws {
        let store = try await backend.open()
        for (index, receivedAt) in [300.0, 100, 200].enumerated() {
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "b\(index)")],
                                                    quarantine: [Sample.quarantine("body \(index)")],
                                                    receivedAt: receivedAt))
        }
        let receipts = try await Self.exportAll(store, .receipts, limit: 2).map { record -> String in
            guard case .receipt(let stored) = record else { return "?" }
            return stored.receipt.bizId
        }
        #expect(receipts == ["b1", "b2", "b0"])
        let quarantined = try await Self.exportAll(store, .quarantine, from: Sample.at(150), limit: 1).map { record in
            guard case .quarantine(let stored) = record else { return "?" }
            return String(decoding: stored.entry.rawBody, as: UTF8.self)
        }
        #expect(quarantined == ["body 2", "body 0"])
        await backend.discard(store)
    }
}

/// `LedgerBackup` on SQLite: VACUUM INTO, checked.
@Suite("SQLite ledger: backups")
struct LedgerBackupTests {
    @Test func aBackupIsACheckedLedgerWithTheSameRowsAndNeverOverwrites() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        try await ExportPageTests.addReplies(store)
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

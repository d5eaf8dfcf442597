import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// The retention rule as a value, without a database.
@Suite("Retention policy")
struct RetentionPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }

    @Test func settledRowsGoAfterTheRetentionAndOpenSendsAfterTheLaterOfItAndThirtyDays() {
        let short = RetentionPolicy(retentionDays: 10).cutoffs(now: Self.now)
        #expect(short.removesSend(at: Self.daysAgo(11), isFinal: true))
        #expect(!short.removesSend(at: Self.daysAgo(9), isFinal: true))
        #expect(!short.removesSend(at: Self.daysAgo(20), isFinal: false), "QuerySendDetails may still settle it")
        #expect(short.removesSend(at: Self.daysAgo(31), isFinal: false))

        let long = RetentionPolicy(retentionDays: 180).cutoffs(now: Self.now)
        #expect(!long.removesSend(at: Self.daysAgo(100), isFinal: false))
        #expect(long.removesSend(at: Self.daysAgo(181), isFinal: false))
        #expect(long.openBefore == long.settledBefore)
    }

    @Test func theBatchSizeHalvesAfterASlowBatchAndGrowsAfterAQuickOneWithinItsRange() {
        var sizer = PruneBatchSizer(target: .milliseconds(20), range: 10...100, start: 40)
        sizer.record(.milliseconds(50))
        #expect(sizer.size == 20)
        sizer.record(.milliseconds(15))
        #expect(sizer.size == 20, "between half the target and the target: unchanged")
        sizer.record(.milliseconds(2))
        #expect(sizer.size == 30)
        for _ in 0..<10 { sizer.record(.milliseconds(1)) }
        #expect(sizer.size == 100)
        for _ in 0..<10 { sizer.record(.seconds(1)) }
        #expect(sizer.size == 10)
        #expect(PruneBatchSizer(range: 5...500).size == 5, "a pass starts at the smallest batch")
        #expect(PruneBatchSizer(range: 5...500, start: 900).size == 500)
    }

    @Test func zeroDaysKeepsEverything() {
        #expect(!RetentionPolicy(retentionDays: 0).prunes)
        #expect(RetentionPolicy(retentionDays: 1).prunes)
    }
}

/// `pruneBatch` and `pruneCandidates` on every backend: what goes, what stays, in bounded batches.
@Suite("Ledger retention")
struct LedgerRetentionTests {
    static let day: TimeInterval = 86_400
    /// 100 days after `Sample.t0`; ages below are days before it.
    static let now = Sample.at(100 * day)
    static let policy = RetentionPolicy(retentionDays: 10)
    static func age(_ days: Double) -> TimeInterval { (100 - days) * day }

    /// Sends (tracked first, so each keeps its own send time) and their receipts, replies and
    /// quarantined bodies at known ages. Expected to go: settled-20d (2 receipts), open-40d,
    /// undated-20d (1 receipt), reply-20d, quarantine-20d. To stay: settled-5d (1 receipt),
    /// open-20d (inside the 30-day window), reply-5d, quarantine-5d.
    private func ledger(_ backend: Backend) async throws -> any LedgerStore & LedgerRetention {
        let store = try await backend.open()
        let sends = [("settled-20d", 20.0), ("settled-5d", 5), ("open-20d", 20), ("open-40d", 40)]
        _ = try await store.commit(Sample.batch(sends: sends.map { Sample.send(bizId: $0.0, sentAt: Self.age($0.1)) }))
        _ = try await store.commit(Sample.batch(receipts: [
            Sample.receipt(bizId: "settled-20d", status: .pending, code: "ACCEPTED", reportedAt: Self.age(20)),
            Sample.receipt(bizId: "settled-20d", reportedAt: Self.age(20) + 5),
        ], receivedAt: Self.age(20) + 10))
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "settled-5d", reportedAt: Self.age(5))],
                                                receivedAt: Self.age(5)))
        var undated = Sample.receipt(bizId: "undated-20d", phone: nil, reportedAt: Self.age(20))
        undated.sentAt = nil
        _ = try await store.commit(Sample.batch(receipts: [undated], receivedAt: Self.age(20)))
        for days in [20.0, 5] {
            _ = try await store.commit(Sample.batch(replies: [Sample.reply(sequence: "r\(Int(days))")],
                                                    quarantine: [Sample.quarantine("body \(days)")],
                                                    receivedAt: Self.age(days)))
        }
        return store
    }

    @Test(arguments: Backend.available)
    func oldSettledSendsGoWithTheirReceiptsAndOpenSendsInsideTheWindowStay(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        var removed = PruneSummary()
        while true {
            let batch = try await store.pruneBatch(Self.policy, now: Self.now, limit: 100)
            removed += batch
            if batch.isEmpty { break }
        }
        #expect(removed == PruneSummary(sends: 3, receipts: 3, replies: 1, quarantine: 1))
        let sends = try await store.sends(LedgerQuery(limit: 100)).map(\.key.bizId).sorted()
        #expect(sends == ["open-20d", "settled-5d"])
        #expect(try await store.receipts(LedgerQuery(limit: 100)).map(\.receipt.bizId) == ["settled-5d"])
        #expect(try await store.replies(LedgerQuery(limit: 100)).map(\.message.sequenceId) == ["r5"])
        #expect(try await store.quarantine(LedgerQuery(limit: 100)).count == 1)
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func aDryRunCountsExactlyWhatPruningRemovesAndChangesNothing(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let before = try await store.counts()
        let would = try await store.pruneCandidates(Self.policy, now: Self.now)
        #expect(try await store.counts() == before)
        #expect(would == PruneSummary(sends: 3, receipts: 3, replies: 1, quarantine: 1))
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func eachBatchRemovesAtMostItsLimitOfEachKind(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        var batches: [PruneSummary] = []
        while true {
            let batch = try await store.pruneBatch(Self.policy, now: Self.now, limit: 1)
            if batch.isEmpty { break }
            batches.append(batch)
        }
        #expect(batches.count == 3, "three sends, one per batch")
        #expect(batches.allSatisfy { $0.sends <= 1 && $0.replies <= 1 && $0.quarantine <= 1 })
        #expect(batches.reduce(PruneSummary(), +) == PruneSummary(sends: 3, receipts: 3, replies: 1, quarantine: 1))
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func zeroRetentionRemovesNothing(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        #expect(try await store.pruneBatch(RetentionPolicy(retentionDays: 0), now: Self.now, limit: 100).isEmpty)
        #expect(try await store.counts().sends == 5)
        await backend.discard(store)
    }
}

/// `pruneBatch` on SQLite only: how it reads the file.
@Suite("SQLite ledger: retention")
struct SQLiteRetentionTests {
    /// Receipts whose send row is gone are looked for only once the old sends are done (their walk
    /// would pass every receipt of the sends still to go, in each batch), and still all go.
    @Test func receiptsWithoutASendGoOnceTheOldSendsAreDone() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let old = LedgerRetentionTests.age(20)
        let names = ["a", "b", "c", "stray"]
        _ = try await store.commit(Sample.batch(sends: names.map { Sample.send(bizId: $0, sentAt: old) }))
        _ = try await store.commit(Sample.batch(receipts: names.map { Sample.receipt(bizId: $0, reportedAt: old) },
                                                receivedAt: old + 10))
        try await store.withWriteConnection { try $0.exec("DELETE FROM sends WHERE biz_id = 'stray'") }
        var batches: [PruneSummary] = []
        while true {
            let batch = try await store.pruneBatch(LedgerRetentionTests.policy, now: LedgerRetentionTests.now, limit: 2)
            if batch.isEmpty { break }
            batches.append(batch)
        }
        #expect(batches == [PruneSummary(sends: 2, receipts: 2), PruneSummary(sends: 1, receipts: 2)],
                "the stray receipt goes in the batch that found fewer sends than its limit")
        #expect(try await store.counts().receipts == 0)
        await store.close()
    }

    /// The selections walk time indexes, so a batch costs the same in a ledger of any size.
    @Test func theSelectionsUseTheTimeIndexes() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let dated = try await store.queryPlan(SQL.prunableDatedSends)
        let undated = try await store.queryPlan(SQL.prunableUndatedSends)
        let replies = try await store.queryPlan(SQL.deleteOldReplies)
        let receipts = try await store.queryPlan(SQL.deleteReceiptsOfSend)
        #expect(dated.contains("sends_sent_bucket"), "\(dated)")
        #expect(undated.contains("sends_undated"), "\(undated)")
        #expect(replies.contains("replies_received_at"), "\(replies)")
        #expect(receipts.contains("receipts_biz_id"), "\(receipts)")
        await store.close()
    }

    /// The warm-up reads each index entry a batch will remove whose key is not in time order; if the
    /// planner reached those rows some other way, the pages that matter would stay cold.
    @Test func theWarmUpLooksUpTheRandomlyKeyedIndexes() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let send = try await store.queryPlan(SQL.warmSend)
        let receipts = try await store.queryPlan(SQL.warmReceiptsOfSend)
        let replies = try await store.queryPlan(SQL.warmOldReplies)
        #expect(send.contains("sends_out_id"), "\(send)")
        #expect(receipts.contains("receipts_out_id"), "\(receipts)")
        #expect(replies.contains("replies_phone_day") && replies.contains("sqlite_autoindex_replies"), "\(replies)")
        await store.close()
    }

    @Test func warmingChangesNothingAndTheBatchAfterItRemovesTheSame() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        let old = Sample.at(0)
        _ = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "b1", sentAt: 0)]))
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt(bizId: "b1", reportedAt: 5)],
                                                replies: [Sample.reply(sequence: "r1")], receivedAt: 10))
        let policy = RetentionPolicy(retentionDays: 10)
        let now = old.addingTimeInterval(100 * 86_400)
        let before = try await store.counts()
        try await store.warmPruneBatch(policy, now: now, limit: 10)
        #expect(try await store.counts() == before)
        #expect(try await store.pruneBatch(policy, now: now, limit: 10) == PruneSummary(sends: 1, receipts: 1, replies: 1))
        await store.close()
    }

    /// A prune batch commits without its own fsync, and the writer is back at its configured level
    /// afterwards, also when the batch fails: a writer left at NORMAL would weaken every later commit.
    @Test func aPruneBatchRunsWithoutItsOwnFsyncAndTheWriterGoesBackToItsLevel() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        try await store.withWriteConnection { connection in
            let level = { try connection.scalarInt("PRAGMA synchronous") }
            #expect(try level() == 2, "the ledger's default is FULL")
            let inside = try SQLiteLedgerStore.withoutOwnSync(connection, configured: .full) { try level() }
            #expect(inside == 1)
            #expect(try level() == 2)
            #expect(throws: StoreError.self) {
                try SQLiteLedgerStore.withoutOwnSync(connection, configured: .full) {
                    throw StoreError(.busy, message: "batch failed")
                }
            }
            #expect(try level() == 2, "restored after a failed batch")
            try connection.exec("PRAGMA synchronous = 0")
            #expect(try SQLiteLedgerStore.withoutOwnSync(connection, configured: .off) { try level() } == 0,
                    "a ledger configured below NORMAL is not raised")
            try connection.exec("PRAGMA synchronous = 2")
        }
        _ = try await store.pruneBatch(RetentionPolicy(retentionDays: 10), now: Date(), limit: 10)
        #expect(try await store.withWriteConnection { try $0.scalarInt("PRAGMA synchronous") } == 2)
        await store.close()
    }
}

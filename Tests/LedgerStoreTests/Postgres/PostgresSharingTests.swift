import Foundation
@testable import LedgerPostgres
import LedgerStore
import SMSLedgerCore
import Testing

/// What sharing one PostgreSQL ledger between daemons needs beyond the conformance suite: claims that
/// keep two daemons off the same send, concurrent commits of the same news stored once, and a
/// migration that several daemons may start at the same moment. Each "daemon" is a store of its own,
/// with its own connection pool, on one database.
@Suite("PostgreSQL ledger shared by several daemons", .enabled(if: TemporaryPostgresLedger.isAvailable,
                                                               "LEDGER_TEST_POSTGRES_URL names no server"))
struct PostgresSharingTests {
    /// Opens `count` stores on one new database, runs `body`, and removes the database.
    private func withStores(_ count: Int, _ body: ([PostgresLedgerStore]) async throws -> Void) async throws {
        let database = try await TemporaryPostgresLedger.createDatabase()
        var stores: [PostgresLedgerStore] = []
        do {
            for _ in 0..<count {
                stores.append(try await PostgresLedgerStore(options: TemporaryPostgresLedger.options(database: database)))
            }
            try await body(stores)
        } catch {
            for store in stores { await store.close() }
            await TemporaryPostgresLedger.dropDatabase(database)
            throw error
        }
        for store in stores { await store.close() }
        await TemporaryPostgresLedger.dropDatabase(database)
    }

    private func sends(_ count: Int) -> LedgerBatch {
        Sample.batch(sends: (0..<count).map { Sample.send(bizId: "biz-\($0)", sentAt: Double($0)) })
    }

    @Test("a claimed send is not claimed again until it is checked or its claim expires")
    func claimsExcludeEachOther() async throws {
        try await withStores(2) { stores in
            _ = try await stores[0].commit(sends(10))
            let now = Sample.at(1_000)
            let first = try await stores[0].claimDueSends(now: now, limit: 6, leaseUntil: now.addingTimeInterval(600))
            let second = try await stores[1].claimDueSends(now: now, limit: 6, leaseUntil: now.addingTimeInterval(600))
            #expect(first.map(\.key.bizId) == (0..<6).map { "biz-\($0)" }, "earliest first")
            #expect(second.map(\.key.bizId) == (6..<10).map { "biz-\($0)" }, "only what the first left")
            #expect(try await stores[1].claimDueSends(now: now, limit: 10, leaseUntil: now.addingTimeInterval(600)).isEmpty)
            // The listing ignores claims: it is what is due, not what may be taken.
            #expect(try await stores[1].dueSends(now: now, limit: 20).count == 10)

            // A check ends the claim; the next check time decides when it is due again.
            let checked = first[0].key
            try await stores[0].markChecked([SendCheck(send: checked, checkedAt: now, outcome: .checkAgain(at: now))])
            #expect(try await stores[1].claimDueSends(now: now, limit: 10, leaseUntil: now.addingTimeInterval(600))
                .map(\.key) == [checked])

            // A daemon that died never checks: its claims return when they expire.
            let later = now.addingTimeInterval(601)
            #expect(try await stores[0].claimDueSends(now: later.addingTimeInterval(-2), limit: 20,
                                                      leaseUntil: later).isEmpty, "not before the claims expire")
            let expired = try await stores[0].claimDueSends(now: later, limit: 20, leaseUntil: later.addingTimeInterval(600))
            #expect(Set(expired.map(\.key.bizId)) == Set((0..<10).map { "biz-\($0)" }))
        }
    }

    @Test("daemons claiming at once never get the same send")
    func concurrentClaimsArePartitioned() async throws {
        try await withStores(3) { stores in
            _ = try await stores[0].commit(sends(300))
            let now = Sample.at(10_000)
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for store in stores {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimDueSends(now: now, limit: 7, leaseUntil: now.addingTimeInterval(600))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.key.bizId)
                        }
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            let all = claimed.flatMap { $0 }
            #expect(all.count == 300, "every due send claimed")
            #expect(Set(all).count == 300, "none claimed twice")
        }
    }

    @Test("the same news committed by several daemons at once is stored once")
    func concurrentCommitsStoreOnce() async throws {
        try await withStores(3) { stores in
            // Every daemon commits every batch (MNS redelivering to each), in different orders.
            let batches = (0..<20).map { n in
                Sample.batch(receipts: (0..<8).map { i in
                    Sample.receipt(bizId: "biz-\((n * 8 + i) % 50)", phone: "1380000\(1000 + (n * 8 + i) % 50)",
                                   status: i % 3 == 0 ? .delivered : .pending, reportedAt: Double(n * 8 + i))
                }, replies: [Sample.reply(sequence: "\(n)")], quarantine: [Sample.quarantine("body \(n % 4)")],
                sends: [Sample.send(bizId: "biz-\(n)", phone: "1380000\(1000 + n)")])
            }
            let summaries = try await withThrowingTaskGroup(of: [CommitSummary].self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var done: [CommitSummary] = []
                        let order = index % 2 == 0 ? batches : batches.reversed()
                        for batch in order { done.append(try await store.commit(batch)) }
                        return done
                    }
                }
                return try await group.reduce(into: [CommitSummary]()) { $0 += $1 }
            }
            let counts = try await stores[0].counts()
            #expect(counts.receipts == 160)
            #expect(counts.replies == 20)
            #expect(counts.sends == 50, "one row per send, whoever created it")
            #expect(counts.quarantine == 4)
            #expect(summaries.reduce(0) { $0 + $1.receipts.new } == 160, "each receipt new to exactly one daemon")
            #expect(summaries.reduce(0) { $0 + $1.sends.new } == 20, "each send tracked by exactly one daemon")
            let bodies = try await stores[0].quarantine(.all())
            #expect(bodies.map(\.count).reduce(0, +) == 60, "every sighting of a quarantined body counted")
            // Each send ends in the state the merge rule gives, whatever the interleaving: delivered
            // when any of its receipts said so.
            for send in try await stores[0].sends(.all(limit: 100)) {
                let receipts = try await stores[0].receipts(LedgerQuery(bizId: send.key.bizId, limit: 100))
                let delivered = receipts.contains { $0.receipt.status.state == .delivered }
                #expect((send.status.state == .delivered) == delivered, "\(send.key)")
            }
        }
    }

    @Test("daemons starting at once on an empty database migrate it once")
    func concurrentMigration() async throws {
        let database = try await TemporaryPostgresLedger.createDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresLedgerStore.self) { group in
            for _ in 0..<4 {
                group.addTask { try await PostgresLedgerStore(options: TemporaryPostgresLedger.options(database: database)) }
            }
            return try await group.reduce(into: [PostgresLedgerStore]()) { $0.append($1) }
        }
        _ = try await stores[0].commit(sends(3))
        #expect(try await stores[3].counts().sends == 3)
        for store in stores { await store.close() }
        await TemporaryPostgresLedger.dropDatabase(database)
    }

    @Test("a NUL character in SMS text is stored, not a batch that fails forever")
    func nulInText() async throws {
        try await withStores(1) { stores in
            var batch = Sample.batch(replies: [Sample.reply(content: "a\u{0}b")])
            batch.replies[0].event.rawBody = Data([0x61, 0x00, 0x62])
            #expect(try await stores[0].commit(batch).replies.new == 1)
            let reply = try #require(try await stores[0].replies(.all()).first)
            #expect(reply.message.content == "a\u{FFFD}b")
            #expect(reply.message.rawBody == Data([0x61, 0x00, 0x62]), "the raw body keeps the original bytes")

            // In the keys too: the send and its receipt meet, and the receipt again is a duplicate.
            let receipt = Sample.receipt(bizId: "b\u{0}1", phone: "138\u{0}1")
            let first = try await stores[0].commit(Sample.batch(receipts: [receipt],
                                                                sends: [Sample.send(bizId: "b\u{0}1", phone: "138\u{0}1")]))
            #expect(first.receipts.new == 1 && first.sends.new == 1 && first.sendsUpdated == 1)
            #expect(try await stores[0].commit(Sample.batch(receipts: [receipt])).receipts.duplicate == 1)
            let send = try #require(try await stores[0].sends(.all()).first)
            #expect(send.key.bizId == "b\u{FFFD}1" && send.status.state == .delivered)
        }
    }

    @Test("an unreachable server is a retryable store error")
    func unreachableServer() async throws {
        var options = try TemporaryPostgresLedger.options(database: "postgres")
        options.port = 1 // nothing listens there
        do {
            _ = try await PostgresLedgerStore(options: options)
            Issue.record("opened a store on a closed port")
        } catch let error as StoreError {
            #expect(error.isRetryable, "\(error)")
        }
    }
}

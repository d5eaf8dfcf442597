import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// Schema 3 lists sends by time through `sends_sent_bucket`, an index on the ten-minute bucket of
/// `sent_at` (see `LedgerSchema.version3`). The answers must be exactly those of a plain
/// `sent_at` filter and order, including at bucket edges, and the plan must use the index.
@Suite("SQLite ledger: sends by time through the bucket index")
struct SendTimeIndexTests {
    /// `Sample.t0` + 400 s is a multiple of ten minutes, so bucket edges fall at 400 + 600·k seconds.
    static let edge: TimeInterval = 400

    /// Send times (seconds after `Sample.t0`) on both sides of several bucket edges, two sends at the
    /// same instant (ordered by id), and one send whose time nobody reported.
    static let offsets: [TimeInterval?] = [
        -1_300, -800, edge - 600, edge - 0.001, edge, edge, edge + 0.001, 523, 999.999, edge + 600, 1_337,
        edge + 1_200 - 0.001, edge + 1_200, 2_500, nil, 37, -5,
    ]

    private func ledgerWithSends() async throws -> (TemporaryLedger, SQLiteLedgerStore) {
        let ledger = try TemporaryLedger()
        let store = try ledger.open()
        for (index, offset) in Self.offsets.enumerated() {
            if let offset {
                _ = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "s\(index)", sentAt: offset)]))
            } else {
                // A receipt that does not say when it was sent creates an orphan send without a time.
                var receipt = Sample.receipt(bizId: "s\(index)")
                receipt.sentAt = nil
                _ = try await store.commit(Sample.batch(receipts: [receipt]))
            }
        }
        return (ledger, store)
    }

    /// What a plain `sent_at >= from AND sent_at < to ORDER BY sent_at DESC, id DESC` returns
    /// (NULL last when descending), computed here rather than by SQLite.
    private func expected(_ all: [TrackedSend], from: Date?, to: Date?, limit: Int) -> [String] {
        let inWindow = all.filter { send in
            guard from != nil || to != nil else { return true }
            // In whole milliseconds, as stored: Dates a millisecond apart need not compare exactly.
            guard let sent = send.sentAt.map(Millis.from) else { return false }
            return (from.map { sent >= Millis.from($0) } ?? true) && (to.map { sent < Millis.from($0) } ?? true)
        }
        let sorted = inWindow.sorted { a, b in
            switch (a.sentAt, b.sentAt) {
            case let (x?, y?) where x != y: return x > y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.id > b.id
            }
        }
        return sorted.prefix(limit).map(\.key.bizId)
    }

    @Test func timeWindowsAndOrderMatchAPlainFilterAtBucketEdges() async throws {
        let (ledger, store) = try await ledgerWithSends()
        defer { ledger.remove() }
        let all = try await store.sends(LedgerQuery(limit: 1_000))
        #expect(all.count == Self.offsets.count)

        let edges = [Self.edge, Self.edge + 600, Self.edge + 1_200]
        var bounds: [Date?] = [nil]
        for edge in edges { bounds += [Sample.at(edge - 0.001), Sample.at(edge), Sample.at(edge + 0.001)] }
        bounds += [Sample.at(-1_000), Sample.at(600), Sample.at(3_000)]
        for from in bounds {
            for to in bounds {
                for limit in [3, 1_000] {
                    let got = try await store.sends(LedgerQuery(from: from, to: to, limit: limit)).map(\.key.bizId)
                    #expect(got == expected(all, from: from, to: to, limit: limit),
                            "from \(from.map { $0.timeIntervalSince(Sample.t0) } ?? -1) to \(to.map { $0.timeIntervalSince(Sample.t0) } ?? -1) limit \(limit)")
                }
            }
        }
        // The newest first, the two sends at the same instant by id, the untimed one last.
        #expect(all.first?.key.bizId == "s13")
        #expect(all.last?.key.bizId == "s14")
        #expect(all.map(\.key.bizId).firstRange(of: ["s5", "s4"]) != nil)
        await store.close()
    }

    @Test func listingByTimeUsesTheBucketIndexAndSortsOnlyWithinABucket() async throws {
        let (ledger, store) = try await ledgerWithSends()
        defer { ledger.remove() }
        let queries = [LedgerQuery(), LedgerQuery(from: Sample.at(0)), LedgerQuery(from: Sample.at(0), to: Sample.at(900))]
        for query in queries {
            let plan = try await store.queryPlan(LedgerReader.sendsSQL(query))
            #expect(plan.contains("USING INDEX sends_sent_bucket"), "\(plan)")
            #expect(plan.contains("RIGHT PART OF ORDER BY"), "\(plan)")
            #expect(!plan.contains("USE TEMP B-TREE FOR ORDER BY"), "\(plan)")
        }
        await store.close()
    }

    @Test func aVersion2LedgerGetsTheBucketIndexAndKeepsItsSends() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(sends: [Sample.send(bizId: "old", sentAt: 30)]))
        // Back to what schema 2 left on disk.
        try await store.withWriteConnection { connection in
            try connection.exec("DROP INDEX sends_sent_bucket")
            try connection.exec("CREATE INDEX sends_sent_at ON sends (sent_at)")
            try connection.exec(TemporaryLedger.undoSchema4)
            try connection.exec("PRAGMA user_version = 2")
        }
        await store.close()

        let reopened = try ledger.open()
        let (version, old, new) = try await reopened.withWriteConnection { connection in
            (try connection.scalarInt("PRAGMA user_version"),
             try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'sends_sent_at'"),
             try connection.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'sends_sent_bucket'"))
        }
        #expect(version == LedgerSchema.latestVersion)
        #expect(old == 0)
        #expect(new == 1)
        #expect(try await reopened.sends(LedgerQuery(from: Sample.at(0), to: Sample.at(60))).map(\.key.bizId) == ["old"])
        await reopened.close()
    }
}

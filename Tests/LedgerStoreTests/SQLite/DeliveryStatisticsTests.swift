import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

/// `statistics(_:)` on every backend, on a small ledger whose every figure is worked out by hand below.
@Suite("Delivery statistics")
struct DeliveryStatisticsTests {
    static let illegal = "isv.MOBILE_NUMBER_ILLEGAL"
    static let failed = DeliveryStatus(state: .failed, isFinal: true, retryable: false)
    static let expired = DeliveryStatus(state: .expired, isFinal: true)
    static let finalUnknown = DeliveryStatus(state: .unknown, isFinal: true)

    /// One send: its id, when it was sent (s after `Sample.t0`), its template and provider, and the
    /// report it got (status, code, seconds after sending), if any.
    struct Fixture: Sendable {
        var bizId: String
        var sentAt: TimeInterval
        var template: String? = "SMS_1"
        var provider: Provider = .alibaba
        var report: (DeliveryStatus, String, TimeInterval)?
    }

    /// Timed final sends (s): 5, 10, 20, 30, 40, 50, 60, 90, 100; n = 9, so the median is the 5th
    /// (40 s) and p95 the ⌈8.55⌉ = 9th (100 s).
    static let fixtures: [Fixture] = [
        Fixture(bizId: "d1", sentAt: 0, report: (.delivered, "DELIVERED", 10)),
        Fixture(bizId: "d2", sentAt: 10, report: (.delivered, "DELIVERED", 20)),
        Fixture(bizId: "d3", sentAt: 20, report: (.delivered, "DELIVERED", 30)),
        Fixture(bizId: "d4", sentAt: 30, report: (.delivered, "DELIVERED", 40)),
        Fixture(bizId: "f1", sentAt: 40, template: "SMS_2", report: (failed, illegal, 5)),
        Fixture(bizId: "f2", sentAt: 50, template: "SMS_2", report: (failed, illegal, 50)),
        Fixture(bizId: "e1", sentAt: 60, report: (expired, "EXPIRED", 100)),
        Fixture(bizId: "p1", sentAt: 70),
        // An intermediate report: still pending, and its report time is not a final time.
        Fixture(bizId: "p2", sentAt: 80, report: (.pending, "ACCEPTED", 3)),
        Fixture(bizId: "u1", sentAt: 90, provider: .telesign, report: (finalUnknown, "250", 60)),
    ]

    /// The fixtures, plus "o1": known only from its receipt (no template), sent at 0, delivered at 90.
    static func fill(_ store: any LedgerStore) async throws {
        let sends = fixtures.map {
            Sample.send(bizId: $0.bizId, sentAt: $0.sentAt, template: $0.template, provider: $0.provider)
        }
        _ = try await store.commit(Sample.batch(sends: sends))
        let receipts = fixtures.compactMap { fixture in
            fixture.report.map { report in
                Sample.receipt(bizId: fixture.bizId, status: report.0, code: report.1,
                               reportedAt: fixture.sentAt + report.2, provider: fixture.provider)
            }
        } + [Sample.receipt(bizId: "o1", reportedAt: 90)]
        _ = try await store.commit(Sample.batch(receipts: receipts))
    }

    private func ledger(_ backend: Backend) async throws -> any LedgerStore & LedgerStatisticsSource {
        let store = try await backend.open()
        try await Self.fill(store)
        return store
    }

    @Test(arguments: Backend.available)
    func theWholeWindowCountsEveryStateTheRateAndTheTimes(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let stats = try await store.statistics(StatisticsQuery())
        #expect(stats.groups.count == 1)
        let all = try #require(stats.groups.first)
        #expect(all.key == "all")
        #expect([all.sends, all.delivered, all.failed, all.expired, all.unknown, all.pending] as [Int] == [11, 5, 2, 1, 1, 2])
        #expect(all.deliveryRate == 5.0 / 9.0, "delivered among the nine final sends")
        #expect(all.timed == 9)
        #expect(all.medianMillis == 40_000)
        #expect(all.p95Millis == 100_000)
        let expected = [ErrorCount(code: Self.illegal, text: "text for \(Self.illegal)", count: 2),
                        ErrorCount(code: "EXPIRED", text: "text for EXPIRED", count: 1)]
        #expect(all.topErrors == expected, "final unknown is no error code; most frequent first")
        #expect(stats.topErrors == expected)
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func byTemplateSplitsTheFiguresAndNamesReceiptOnlySendsDash(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let stats = try await store.statistics(StatisticsQuery(grouping: .template))
        #expect(stats.groups.map(\.key) == ["-", "SMS_1", "SMS_2"])
        try #require(stats.groups.count == 3)
        let (orphan, one, two) = (stats.groups[0], stats.groups[1], stats.groups[2])
        #expect([orphan.sends, orphan.delivered, orphan.timed] as [Int] == [1, 1, 1])
        #expect(orphan.medianMillis == 90_000 && orphan.p95Millis == 90_000)
        #expect([one.sends, one.delivered, one.expired, one.unknown, one.pending] as [Int] == [8, 4, 1, 1, 2])
        // 10, 20, 30, 40, 60, 100: the 3rd and the ⌈5.7⌉ = 6th.
        #expect(one.medianMillis == 30_000 && one.p95Millis == 100_000)
        #expect(one.topErrors.map(\.code) == ["EXPIRED"])
        #expect([two.sends, two.failed, two.timed] as [Int] == [2, 2, 2])
        #expect(two.medianMillis == 5_000 && two.p95Millis == 50_000)
        #expect(two.deliveryRate == 0)
        #expect(two.topErrors == [ErrorCount(code: Self.illegal, text: "text for \(Self.illegal)", count: 2)])
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func byProviderAndByErrorAddUpToTheWindow(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let providers = try await store.statistics(StatisticsQuery(grouping: .provider))
        #expect(providers.groups.map(\.key) == ["alibaba", "telesign"])
        #expect(providers.groups.map(\.sends) == [10, 1])
        #expect(providers.groups.last?.unknown == 1 && providers.groups.last?.medianMillis == 60_000)

        let errors = try await store.statistics(StatisticsQuery(grouping: .error))
        #expect(errors.groups.map(\.key) == ["-", "EXPIRED", Self.illegal], "bytewise: '-' first, capitals before 'i'")
        #expect(errors.groups.map(\.sends) == [8, 1, 2])
        try #require(errors.groups.count == 3)
        #expect(errors.groups[2].failed == 2 && errors.groups[2].medianMillis == 5_000)
        #expect(errors.groups[0].topErrors.isEmpty)
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func theTopErrorsAreCutAtTheLimit(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let one = try await store.statistics(StatisticsQuery(topErrors: 1))
        #expect(one.topErrors.map(\.code) == [Self.illegal])
        #expect(one.groups.first?.topErrors.map(\.code) == [Self.illegal])
        let none = try await store.statistics(StatisticsQuery(grouping: .template, topErrors: 0))
        #expect(none.topErrors.isEmpty && none.groups.allSatisfy { $0.topErrors.isEmpty })
        await backend.discard(store)
    }

    @Test(arguments: Backend.available)
    func anEmptyWindowHasNoGroups(_ backend: Backend) async throws {
        let store = try await ledger(backend)
        let stats = try await store.statistics(StatisticsQuery(from: Sample.at(1_000)))
        #expect(stats.groups.isEmpty && stats.topErrors.isEmpty)
        await backend.discard(store)
    }

    /// `Sample.t0` + 400 s is a ten-minute edge (SQLite's buckets); t0 + 64,000 s is midnight in
    /// Beijing (16:00 UTC).
    @Test(arguments: Backend.available)
    func windowsAtBucketEdgesAndBeijingDays(_ backend: Backend) async throws {
        let store = try await backend.open()
        let offsets: [TimeInterval] = [399.999, 400, 400.001, 63_999.999, 64_000]
        _ = try await store.commit(Sample.batch(sends: offsets.enumerated().map {
            Sample.send(bizId: "s\($0.offset)", sentAt: $0.element)
        }))
        func sends(_ from: TimeInterval?, _ to: TimeInterval?) async throws -> Int {
            let query = StatisticsQuery(from: from.map(Sample.at), to: to.map(Sample.at))
            return try await store.statistics(query).groups.first?.sends ?? 0
        }
        #expect(try await sends(400, 400.001) == 1)
        #expect(try await sends(399.999, 400) == 1)
        #expect(try await sends(400, nil) == 4)
        #expect(try await sends(nil, 400) == 1)
        #expect(try await sends(400.001, 64_000) == 2)
        let days = try await store.statistics(StatisticsQuery(grouping: .day))
        #expect(days.groups.map(\.key) == ["2023-11-15", "2023-11-16"])
        #expect(days.groups.map(\.sends) == [4, 1])
        #expect(days.groups.allSatisfy { $0.pending == $0.sends && $0.deliveryRate == nil && $0.medianMillis == nil })
        await backend.discard(store)
    }

    /// Template `nNNN` holds n delivered sends whose times are 1...n seconds, recorded longest first.
    /// Whatever n, the median is the ⌈n/2⌉-th and p95 the ⌈0.95·n⌉-th (so 19 of 20, 20 of 21): the
    /// sizes on both sides of each rounding edge, on every backend.
    @Test(arguments: Backend.available)
    func theTimesAreNearestRankForEveryGroupSize(_ backend: Backend) async throws {
        let store = try await backend.open()
        let sizes = [1, 2, 3, 4, 5, 19, 20, 21, 39, 40, 41, 100]
        let template = { (n: Int) in String(format: "n%03d", n) }
        let members = sizes.flatMap { n in (0..<n).map { (n: n, bizId: "n\(n)-\($0)", sentAt: TimeInterval($0)) } }
        _ = try await store.commit(Sample.batch(sends: members.map {
            Sample.send(bizId: $0.bizId, sentAt: $0.sentAt, template: template($0.n))
        }))
        _ = try await store.commit(Sample.batch(receipts: members.map {
            // Sent at i s, so the time to its report is n - i s: n for the first recorded, 1 for the last.
            Sample.receipt(bizId: $0.bizId, reportedAt: TimeInterval($0.n))
        }))
        let stats = try await store.statistics(StatisticsQuery(grouping: .template))
        #expect(stats.groups.map(\.key) == sizes.map(template))
        for (n, group) in zip(sizes, stats.groups) {
            let seconds = { (percent: Int) in Int64(NearestRank.rank(percent, of: n)) * 1_000 }
            #expect(group.timed == n)
            #expect(group.medianMillis == seconds(50), "median of \(n)")
            #expect(group.p95Millis == seconds(95), "p95 of \(n)")
        }
        let edges = Dictionary(uniqueKeysWithValues: zip(sizes, stats.groups).map { ($0, $1.p95Millis) })
        #expect(edges[1] == 1_000 && edges[20] == 19_000 && edges[21] == 20_000 && edges[100] == 95_000)
        await backend.discard(store)
    }

    /// The same ledger on both backends gives equal answers to every grouping, whole and windowed.
    @Test(.enabled(if: Backend.available.count > 1, "needs the PostgreSQL test server"))
    func everyBackendComputesTheSameFigures() async throws {
        var answers: [Backend: [DeliveryStatistics]] = [:]
        for backend in Backend.available {
            let store = try await ledger(backend)
            _ = try await store.commit(Sample.batch(sends: [
                Sample.send(bizId: "next-day", sentAt: 86_400, template: "SMS_3"),
                Sample.send(bizId: "week-later", sentAt: 7 * 86_400, template: nil, provider: .telesign),
            ]))
            for grouping in StatisticsGrouping.allCases {
                for (from, to) in [(nil, nil), (Sample.at(25), Sample.at(85)), (Sample.at(60), nil)] as [(Date?, Date?)] {
                    let query = StatisticsQuery(from: from, to: to, grouping: grouping, topErrors: 3)
                    answers[backend, default: []].append(try await store.statistics(query))
                }
            }
            await backend.discard(store)
        }
        #expect(answers[.sqlite]?.count == 15)
        #expect(answers[.sqlite] == answers[.postgresql])
    }

    @Test func nearestRanksAreExactInIntegers() {
        #expect(NearestRank.rank(95, of: 20) == 19)
        #expect(NearestRank.rank(50, of: 1) == 1 && NearestRank.rank(95, of: 1) == 1)
        #expect(NearestRank.rank(50, of: 10) == 5 && NearestRank.rank(95, of: 10) == 10)
        var ranks = NearestRank(count: 4)
        for value: Int64 in [1, 2, 3, 4] { ranks.take(value) }
        #expect(ranks.median == 2 && ranks.p95 == 4)
    }
}

/// `statistics(_:)` on SQLite only: how it reads the file.
@Suite("SQLite ledger: delivery statistics")
struct SQLiteDeliveryStatisticsTests {
    private func ledger() async throws -> (TemporaryLedger, SQLiteLedgerStore) {
        let ledger = try TemporaryLedger()
        let store = try ledger.open()
        try await DeliveryStatisticsTests.fill(store)
        return (ledger, store)
    }

    @Test func everyPassReadsTheWindowThroughTheBucketIndex() async throws {
        let (ledger, store) = try await ledger()
        defer { ledger.remove() }
        for grouping in StatisticsGrouping.allCases {
            for sql in [LedgerStatistics.countsSQL(grouping), LedgerStatistics.durationsSQL(grouping),
                        LedgerStatistics.failuresSQL(grouping)] {
                let plan = try await store.queryPlan(sql)
                #expect(plan.contains("USING INDEX sends_sent_bucket"), "\(grouping): \(plan)")
            }
        }
        let plan = try await store.queryPlan(LedgerStatistics.errorTextSQL)
        #expect(plan.contains("USING INDEX sends_sent_bucket"), "\(plan)")
        #expect(plan.contains("USING INDEX receipts_biz_id"), "\(plan)")
        await store.close()
    }

    @Test func aReadOnlyStoreComputesTheSameFigures() async throws {
        let (ledger, store) = try await ledger()
        defer { ledger.remove() }
        let written = try await store.statistics(StatisticsQuery(grouping: .template))
        await store.close()
        let reader = try SQLiteLedgerStore(readOnlyAt: ledger.path)
        #expect(try await reader.statistics(StatisticsQuery(grouping: .template)) == written)
        await reader.close()
    }
}

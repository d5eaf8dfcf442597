@testable import AlibabaCloud
import Foundation
import Testing

/// A Dybaseapi stand-in: hands out numbered tokens, can be made to hold each fetch until released.
actor FakeTokenFetcher: QueueTokenFetching {
    private let clock: TestClock
    private let lifetime: TimeInterval
    private var gated: Bool
    private var parked: [CheckedContinuation<Void, Never>] = []
    private var failNext: AlibabaError?
    private(set) var fetches = 0

    init(clock: TestClock, lifetime: TimeInterval = 600, gated: Bool = false) {
        self.clock = clock
        self.lifetime = lifetime
        self.gated = gated
    }

    func queryTokenForMnsQueue(messageType: AlicomMessageType, queueName: String?) async throws -> QueueToken {
        fetches += 1
        let number = fetches
        if gated { await withCheckedContinuation { parked.append($0) } }
        if let error = failNext {
            failNext = nil
            throw error
        }
        return TestTokens.make("\(number)", expiresAt: clock.now.addingTimeInterval(lifetime))
    }

    func failNextFetch(with error: AlibabaError) { failNext = error }

    var waitingFetches: Int { parked.count }

    func release() {
        gated = false
        parked.forEach { $0.resume() }
        parked.removeAll()
    }
}

@Suite("MNS token provider")
struct MNSTokenProviderTests {
    static func provider(_ fetcher: FakeTokenFetcher, _ clock: TestClock) -> MNSTokenProvider {
        MNSTokenProvider(messageType: .smsReport, queueName: "Alicom-Queue-1-SmsReport", fetcher: fetcher,
                         refreshMargin: .seconds(120), now: clock.closure)
    }

    @Test("a token is fetched once and reused while fresh")
    func reuse() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
        let fetcher = FakeTokenFetcher(clock: clock)
        let provider = Self.provider(fetcher, clock)
        let first = try await provider.token()
        clock.advance(by: 400)
        #expect(try await provider.token() == first)
        #expect(await fetcher.fetches == 1)
    }

    @Test("less than the margin left triggers a refresh")
    func refreshBeforeExpiry() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
        let fetcher = FakeTokenFetcher(clock: clock)
        let provider = Self.provider(fetcher, clock)
        let first = try await provider.token()
        clock.advance(by: 481)
        let second = try await provider.token()
        #expect(second != first)
        #expect(await fetcher.fetches == 2)
    }

    @Test("many concurrent callers without a token share one fetch")
    func oneFetchForManyCallers() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
        let fetcher = FakeTokenFetcher(clock: clock, gated: true)
        let provider = Self.provider(fetcher, clock)
        let tokens = try await withThrowingTaskGroup(of: QueueToken.self) { group in
            for _ in 0..<10 { group.addTask { try await provider.token() } }
            while await fetcher.waitingFetches == 0 { await Task.yield() }
            // Let every caller reach the provider before the fetch completes.
            for _ in 0..<50 { await Task.yield() }
            await fetcher.release()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(tokens.count == 10)
        #expect(Set(tokens.map(\.accessKeyId)).count == 1)
        #expect(await fetcher.fetches == 1)
    }

    @Test("invalidate after an auth error forces exactly one new fetch")
    func invalidateRefetchesOnce() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
        let fetcher = FakeTokenFetcher(clock: clock)
        let provider = Self.provider(fetcher, clock)
        let first = try await provider.token()
        await provider.invalidate(first)
        await provider.invalidate(first)
        let second = try await provider.token()
        await provider.invalidate(first)
        #expect(try await provider.token() == second)
        #expect(second != first)
        #expect(await fetcher.fetches == 2)
    }

    @Test("a failed fetch is thrown to the caller and the next call tries again")
    func fetchFailure() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_000_000))
        let fetcher = FakeTokenFetcher(clock: clock)
        await fetcher.failNextFetch(with: AlibabaError(kind: .transient, code: "Timeout", message: "x"))
        let provider = Self.provider(fetcher, clock)
        await #expect(throws: AlibabaError.self) { try await provider.token() }
        _ = try await provider.token()
        #expect(await fetcher.fetches == 2)
    }
}

@Suite("Queue token")
struct QueueTokenTests {
    @Test("description, debug description and dump never show the secret or the token")
    func noSecretsInText() {
        let token = TestTokens.make()
        var dumped = ""
        dump(token, to: &dumped)
        for text in [token.description, String(reflecting: token), "\(token)", dumped] {
            #expect(!text.contains(token.accessKeySecret))
            #expect(!text.contains(token.securityToken))
            #expect(text.contains(token.accessKeyId))
        }
    }

    @Test("long-term credentials never show the secret either")
    func credentialsText() {
        let credentials = RPCCredentials(accessKeyId: "LTAIexample", accessKeySecret: "very-secret-value")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped] {
            #expect(!text.contains("very-secret-value"))
        }
    }
}

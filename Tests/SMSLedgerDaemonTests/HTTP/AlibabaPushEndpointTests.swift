import Synchronization
import Foundation
import Logging
import LedgerStore
import RawHTTPClient
import SMSLedgerConfig
import SMSLedgerCore
import Testing
@testable import SMSLedgerDaemon

/// Alibaba's HTTP batch push over real loopback HTTP into a real ledger.
@Suite("Alibaba HTTP push endpoint")
struct AlibabaPushEndpointTests {
    static let token = "push-token-0123456789abcdef"

    static func settings(allowFrom: [String] = []) -> AlibabaPushSettings {
        var push = AlibabaPushSettings()
        push.enabled = true
        push.token = Secret(token)
        push.allowFrom = allowFrom.compactMap(SourceNetwork.init)
        return push
    }

    static func path(_ type: String, token: String = token) -> String { "/alibaba/push/\(token)/\(type)" }

    private func push(_ harness: ListenerHarness, _ items: [String], type: String = "SmsReport",
                      token: String = token) async throws -> RawResponse {
        try await pushBody(harness, "[" + items.joined(separator: ",") + "]", type: type, token: token)
    }

    private func pushBody(_ harness: ListenerHarness, _ body: String, type: String = "SmsReport",
                          token: String = token) async throws -> RawResponse {
        try await RawHTTP.send(port: harness.port, method: "POST", target: Self.path(type, token: token),
                               headers: [("Content-Type", "application/json")], body: body)
    }

    private func expectAccepted(_ response: RawResponse) {
        #expect(response.status == 200)
        #expect(response.json["code"] as? Int == 0)
        #expect(response.json["msg"] as? String == "接收成功")
    }

    @Test(arguments: [1, 37, 500])
    func anArrayOfMixedItemsIsStoredBeforeCodeZero(count: Int) async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            let items = (0..<count).map { $0 % 3 == 2 ? Bodies.internationalJSON($0) : Bodies.reportJSON($0, success: $0 % 5 != 0) }
            let response = try await push(harness, items)
            expectAccepted(response)
            let counts = try await harness.counts()
            #expect(counts.receipts == count)
            #expect(counts.quarantine == 0)
            let stored = try await harness.store.receipts(LedgerQuery(limit: 1000))
            #expect(Set(stored.map(\.receipt.source)) == [.smsReportPush])
        }
    }

    @Test func repliesArriveOnTheSmsUpPath() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            expectAccepted(try await push(harness, (0..<3).map(Bodies.replyJSON), type: "SmsUp"))
            #expect(try await harness.counts().replies == 3)
        }
    }

    @Test func duplicatesWithinAndAcrossPushesAreStoredOnce() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            let items = (0..<10).map { Bodies.reportJSON($0) }
            expectAccepted(try await push(harness, items + items.prefix(3)))
            expectAccepted(try await push(harness, items))
            #expect(try await harness.counts().receipts == 10)
            #expect(harness.listener.health.snapshot.duplicates == 13)
        }
    }

    /// A customer migrating between channels: the queue and the push bring the same receipt.
    @Test func theSameReceiptByQueueAndByPushIsOneReport() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            var queued = LedgerBatch()
            queued.append(MNSBodyNormaliser.normalise(body: Bodies.report(7), queueKind: .smsReport), mnsMessageId: "m-7")
            queued.append(MNSBodyNormaliser.normalise(body: Bodies.reply(7), queueKind: .smsUp), mnsMessageId: "m-8")
            _ = try await harness.store.commit(queued)
            expectAccepted(try await push(harness, [Bodies.reportJSON(7), Bodies.reportJSON(8)]))
            expectAccepted(try await push(harness, [Bodies.replyJSON(7)], type: "SmsUp"))
            let counts = try await harness.counts()
            #expect(counts.receipts == 2 && counts.replies == 1)
        }
    }

    @Test func aMalformedItemIsQuarantinedAndTheRestStored() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            let broken = #"{"biz_id":"1^0","success":"yes"}"#
            let response = try await push(harness, [Bodies.reportJSON(1), broken, "null", Bodies.internationalJSON(2)])
            expectAccepted(response)
            let counts = try await harness.counts()
            #expect(counts.receipts == 2 && counts.quarantine == 2)
            let kept = try await harness.store.quarantine(LedgerQuery())
            #expect(kept.contains { $0.entry.rawBody == Data(broken.utf8) && $0.entry.source == .smsReportPush })
            // Pushed again (Alibaba does not know which item failed): nothing new, nothing doubled.
            expectAccepted(try await push(harness, [Bodies.reportJSON(1), broken, "null", Bodies.internationalJSON(2)]))
            #expect(try await harness.counts() == counts)
        }
    }

    @Test func aWrongTokenIsAPlain404AndStoresNothing() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            let response = try await push(harness, [Bodies.reportJSON(1)], token: "push-token-0123456789abcdeX")
            #expect(response.status == 404)
            #expect(try await push(harness, [Bodies.reportJSON(1)], type: "SmsOther").status == 404)
            let get = try await RawHTTP.send(port: harness.port, method: "GET", target: Self.path("SmsReport"))
            #expect(get.status == 405)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func pushPathsDoNotExistWhilePushIsOff() async throws {
        try await ListenerHarness.run { (harness) async throws in
            #expect(try await push(harness, [Bodies.reportJSON(1)]).status == 404)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    @Test func aBodyThatIsNotAnArrayIs400AndKeptInQuarantine() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            let body = Bodies.reportJSON(1)
            let response = try await pushBody(harness, body)
            #expect(response.status == 400)
            #expect((response.json["code"] as? Int).map { $0 != 0 } == true)
            let kept = try await harness.store.quarantine(LedgerQuery())
            #expect(kept.map(\.entry.rawBody) == [Data(body.utf8)])
            #expect(try await harness.counts().receipts == 0)
        }
    }

    @Test func aPeerOutsideTheAllowListIsRefused() async throws {
        try await ListenerHarness.run(push: Self.settings(allowFrom: ["192.0.2.0/24"])) { (harness) async throws in
            #expect(try await push(harness, [Bodies.reportJSON(1)]).status == 403)
            #expect(try await harness.counts() == LedgerCounts())
        }
        try await ListenerHarness.run(push: Self.settings(allowFrom: ["127.0.0.0/8", "::1"])) { (harness) async throws in
            expectAccepted(try await push(harness, [Bodies.reportJSON(1)]))
        }
    }

    @Test func anOversizeBodyIs413() async throws {
        var settings = Self.settings()
        settings.maxBodyBytes = 2048
        try await ListenerHarness.run(push: settings) { (harness) async throws in
            let response = try await push(harness, (0..<20).map { Bodies.reportJSON($0) })
            #expect(response.status == 413)
            #expect(try await harness.counts() == LedgerCounts())
        }
    }

    /// A store that cannot write answers a non-zero code, so Alibaba pushes again; the next push lands once.
    @Test func aStoreOutageAnswers503ThenThePushAgainIsStoredOnce() async throws {
        let faults = Mutex<FaultInjectingStore?>(nil)
        try await ListenerHarness.run(push: Self.settings(), storeInFront: { real in
            let store = FaultInjectingStore(real)
            faults.withLock { $0 = store }
            return store
        }) { (harness) async throws in
            let store = try #require(faults.withLock { $0 })
            let items = (0..<50).map { Bodies.reportJSON($0) }
            store.setCommitMode(.fail)
            let refused = try await push(harness, items)
            #expect(refused.status == 503)
            #expect((refused.json["code"] as? Int).map { $0 != 0 } == true)
            #expect(refused.headers["retry-after"] != nil || refused.headers["Retry-After"] != nil)
            #expect(try await harness.counts().receipts == 0)
            store.setCommitMode(.pass)
            expectAccepted(try await push(harness, items))
            expectAccepted(try await push(harness, items))
            #expect(try await harness.counts().receipts == 50)
        }
    }

    /// Many pushes at once (Alibaba pushes in parallel) share group commits and all get code 0.
    @Test func concurrentPushesAreAllStored() async throws {
        try await ListenerHarness.run(push: Self.settings()) { (harness) async throws in
            try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for batch in 0..<20 {
                    group.addTask { try await push(harness, (0..<25).map { Bodies.reportJSON(batch * 25 + $0) }) }
                }
                for try await response in group { expectAccepted(response) }
            }
            #expect(try await harness.counts().receipts == 500)
        }
    }

    @Test func theTokenNeverReachesTheLoggedPath() async throws {
        try await ListenerHarness.run { (harness) async throws in
            let endpoint = AlibabaPushEndpoint(settings: Self.settings(), store: harness.store,
                                               health: harness.listener.health, logger: .init(label: "test"))
            #expect(endpoint.loggedPath(.smsReport) == "/alibaba/push/…/SmsReport")
        }
        #expect(AlibabaPushEndpoint.host(of: "[::1]:8080") == "::1")
        #expect(AlibabaPushEndpoint.host(of: "203.0.113.7:51234") == "203.0.113.7")
    }
}

import RawHTTPClient
import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// Issue 6: provider callbacks arrive over HTTP while the queue pollers commit batches, all into the
/// one ledger. The real daemon (`smsledger run`), the emulator's queues, signed TeleSign callbacks.
@Suite("Concurrent intake: callbacks while the queue pollers run", .serialized)
struct ConcurrentIntakeTests {
    @Test func signedCallbacksPostedWhileThePollersDrainTheQueuesAreAllStoredExactlyOnce() async throws {
        let reports = 2000, replies = 1000, callbacks = 300, retried = 50
        let harness = try await DaemonHarness.make(pollers: 2)
        // The config keeps `listen = "127.0.0.1:0"`: the daemon binds a port of the kernel's choosing
        // and reports it, so no other test can take a port picked in advance.
        try harness.writeConfig(pollers: 2, waitSeconds: 1, extra: """
            [telesign]
            api_key = "\(ListenerHarness.apiKey)"
            """)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<reports).map { Bodies.report($0) })
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (0..<replies).map(Bodies.reply))

        let daemon = harness.startDaemon()
        #expect(await eventually { daemon.daemon.httpPort != nil }, "the daemon's listener is bound")
        let port = try #require(daemon.daemon.httpPort)
        let queuedWhenCallbacksStart = harness.emulator.queueDepths().reduce(0) { $0 + $1.total }

        // Every callback once, and some of them a second time (as a provider retries after a timeout).
        let signer = try #require(TeleSignSignature(base64Key: ListenerHarness.apiKey))
        let bodies = (0..<callbacks).map { CallbackBodies.status(reference: "ts-\($0)", code: 200, external: "order-ts-\($0)") }
        let statuses = try await Self.post(bodies + bodies.prefix(retried), port: port, signer: signer, inFlight: 32)

        try await harness.waitUntilDrained(timeout: .seconds(60))
        #expect(await DaemonHarness.stop(daemon) == 0)

        #expect(queuedWhenCallbacksStart > 0, "the pollers were still draining when the callbacks began")
        #expect(statuses.count == callbacks + retried)
        #expect(statuses.allSatisfy { $0 == 200 }, "every callback answered 200: \(Set(statuses))")
        let store = try SQLiteLedgerStore(readOnlyAt: harness.storePath)
        let counts = try await store.counts()
        #expect(counts.receipts == reports + callbacks)
        #expect(counts.replies == replies)
        #expect(counts.sends == reports + callbacks)
        let fromCallbacks = try await store.receipts(LedgerQuery(source: .httpCallback, limit: 10_000))
        #expect(fromCallbacks.count == callbacks)
        #expect(Set(fromCallbacks.map(\.receipt.bizId)) == Set((0..<callbacks).map { "ts-\($0)" }), "each callback once")
        let fromQueue = try await store.receipts(LedgerQuery(source: .smsReport, limit: 10_000))
        #expect(Set(fromQueue.map(\.receipt.bizId)).count == reports, "each queue message once")
        await store.close()
        await harness.cleanUp()
    }

    /// POSTs every body, signed, with at most `inFlight` requests open at once; returns the statuses.
    private static func post(_ bodies: [String], port: Int, signer: TeleSignSignature, inFlight: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int] = []
            for (index, body) in bodies.enumerated() {
                if index >= inFlight, let status = try await group.next() { statuses.append(status) }
                group.addTask {
                    let signature = "TSA test-customer:" + signer.signature(for: Data(body.utf8))
                    return try await RawHTTP.send(port: port, method: "POST", target: "/callbacks/telesign",
                                                       headers: [("Authorization", signature),
                                                                 ("Content-Type", "application/json")],
                                                       body: body).status
                }
            }
            for try await status in group { statuses.append(status) }
            return statuses
        }
    }
}

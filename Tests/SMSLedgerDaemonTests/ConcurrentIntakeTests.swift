import RawHTTPClient
import AlicomEmulator
import Foundation
import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 6: provider callbacks arrive over HTTP while the queue pollers commit batches, all into the
/// one ledger. The real daemon (`smsledger run`), the emulator's queues, signed TeleSign callbacks.
@Suite("Concurrent intake: callbacks while the queue pollers run", .serialized)
struct ConcurrentIntakeTests {
    @Test func signedCallbacksPostedWhileThePollersDrainTheQueuesAreAllStoredExactlyOnce() async throws {
        let reports = 2000, replies = 1000, callbacks = 300, retried = 50
        let harness = try await DaemonHarness.make(pollers: 2)
        let port = try FreePort.pick()
        try harness.writeConfig(pollers: 2, waitSeconds: 1, extra: """
            [telesign]
            api_key = "\(ListenerHarness.apiKey)"
            """)
        let config = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            .replacingOccurrences(of: "listen = \"127.0.0.1:0\"", with: "listen = \"127.0.0.1:\(port)\"")
        try config.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        harness.emulator.enqueue(queue: harness.emulator.smsReportQueue, bodies: (0..<reports).map { Bodies.report($0) })
        harness.emulator.enqueue(queue: harness.emulator.smsUpQueue, bodies: (0..<replies).map(Bodies.reply))

        let daemon = harness.startDaemon()
        #expect(await eventually { (try? await RawHTTP.send(port: port, method: "GET", target: "/healthz"))?.status == 200 },
                "the daemon's listener answers on 127.0.0.1:\(port)")
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

/// A loopback port nobody listens on right now: bound with port 0, read back, released.
///
/// The daemon logs its bound port but does not expose it, so the test writes a fixed port into
/// the config. Another process could take the port in between; on a test machine that is rare.
enum FreePort {
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

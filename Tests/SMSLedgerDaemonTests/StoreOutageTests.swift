import Foundation
@testable import LedgerStore
import SMSLedgerCore
import SMSLedgerDaemon
import Testing

/// Issue 4: "If the store cannot commit (disk full, read-only, locked), nothing is deleted; the poller
/// backs off and the daemon says why (log and STATUS=) until the store recovers. Nothing is lost."
///
/// A real poller against the emulator, over a real SQLite ledger. The emulator's visibility timeout
/// is 2 s, so messages that were received but not deleted come back during the test.
@Suite("Store outages: nothing deleted, the poller backs off and says why, nothing lost", .serialized)
struct StoreOutageTests {
    @Test func aStoreThatCannotCommitDeletesNothingSaysWhyAndStoresEverythingOnceItRecovers() async throws {
        let count = 40
        let log = LogRecorder()
        let (rig, store) = try await PollingRig.make(visibilityTimeout: 2, logger: log.logger()) { harness in
            FaultInjectingStore(try SQLiteLedgerStore(at: harness.storePath, options: SQLiteLedgerOptions(synchronous: .normal)))
        }
        store.setCommitMode(.fail)
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<count).map { Bodies.report($0) })
        let started = ContinuousClock.now
        rig.runtime.start()

        let (redelivered, fewestUndeleted, failing) = await Self.awaitRefusedRedelivery(rig, store)
        let elapsed = ContinuousClock.now - started
        let refused = store.refusedCommits

        #expect(redelivered, "a message was received again after its visibility timeout")
        #expect(fewestUndeleted == count, "no message left the queue while commits failed")
        let depth = try #require(rig.harness.emulator.depth(of: rig.queue))
        #expect(depth.visible + depth.inFlight == count)
        #expect(try await store.real.counts() == LedgerCounts())
        // Each refused commit is followed by at least 0.5 s of backoff (1 s with jitter 0.5...1).
        #expect(refused >= 2 && refused <= Int(elapsed / .milliseconds(500)) + 1, "\(refused) commits in \(elapsed)")
        let snapshot = try #require(failing)
        let line = DaemonStatus.line([snapshot])
        #expect(line.contains("last error (SmsReport): store_unavailable"), "STATUS= says why: \(line)")
        #expect(line.contains("database or disk is full"))
        #expect(log.messages(atLeast: .error).contains {
            $0.contains("ledger commit failed; nothing deleted") && $0.contains("database or disk is full")
        })

        store.setCommitMode(.pass)
        try await rig.harness.waitUntilDrained(timeout: .seconds(15))

        let stored = try await store.real.receipts(LedgerQuery(limit: 1000))
        #expect(stored.count == count)
        #expect(Set(stored.map(\.receipt.bizId)).count == count, "each message stored exactly once")
        #expect(try await store.real.counts().sends == count)
        #expect(await eventually { rig.poller.health.snapshot.lastFailure == nil })
        #expect(!DaemonStatus.line([rig.poller.health.snapshot]).contains("last error"), "recovered: STATUS= is clean")
        await rig.tearDown(store)
    }

    /// While the store is down the poller keeps receiving, and receives come back empty (what it
    /// took is invisible until its visibility timeout runs out). That is not a recovery: STATUS=
    /// must keep naming the store until a commit succeeds.
    @Test func theStatusKeepsSayingWhyUntilACommitSucceedsEvenWhenAReceiveComesBackEmpty() async throws {
        let (rig, store) = try await PollingRig.make(visibilityTimeout: 4, logger: LogRecorder().logger()) { harness in
            FaultInjectingStore(try SQLiteLedgerStore(at: harness.storePath, options: SQLiteLedgerOptions(synchronous: .normal)))
        }
        store.setCommitMode(.fail)
        // One batch: after it is refused, the next long poll (backoff ≤ 1 s + wait 1 s) ends empty
        // well before the batch becomes visible again at 4 s.
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<5).map { Bodies.report($0) })
        rig.runtime.start()
        #expect(await eventually { store.refusedCommits == 1 })

        var silentLine: String?
        _ = await eventually(within: .seconds(8)) {
            let line = DaemonStatus.line([rig.poller.health.snapshot])
            if !line.contains("store_unavailable") { silentLine = silentLine ?? line }
            return store.mostAttemptsForOneMessage >= 2
        }

        #expect(store.mostAttemptsForOneMessage >= 2, "the batch came back and was refused again")
        #expect(try await store.counts() == LedgerCounts(), "the store was down the whole time")
        #expect(silentLine == nil, "STATUS= said nothing about the store")
        await rig.tearDown(store)
    }

    /// The store really failing, not a stand-in: SQLite refusing to grow the file (what a full disk
    /// looks like to it: `SQLITE_FULL`) or another connection holding the write lock (`SQLITE_BUSY`).
    enum RealFault: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case diskFull = "disk full"
        case locked = "locked by another connection"

        var testDescription: String { rawValue }

        /// What SQLite says, as the store reports it.
        var sqliteMessage: String {
            switch self {
            case .diskFull: "database or disk is full"
            case .locked: "database is locked"
            }
        }
    }

    @Test(arguments: RealFault.allCases)
    func aLedgerThatReallyCannotWriteDeletesNothingAndStoresEverythingOnceItRecovers(fault: RealFault) async throws {
        let count = 20
        let (rig, store) = try await PollingRig.make(visibilityTimeout: 2, logger: LogRecorder().logger()) { harness in
            // Counts commit attempts per message, and forwards every one of them to the real store.
            FaultInjectingStore(try SQLiteLedgerStore(
                at: harness.storePath, options: SQLiteLedgerOptions(synchronous: .normal, busyTimeout: .milliseconds(100))))
        }
        let sqlite = try #require(store.real as? SQLiteLedgerStore)
        var lockHolder: SQLiteConnection?
        switch fault {
        case .diskFull:
            // No free pages and no room to grow: every row larger than a page needs new pages.
            let free = try await sqlite.withWriteConnection { connection -> Int64 in
                // A migration that dropped an index left its page free; VACUUM gives it back.
                try connection.exec("VACUUM")
                let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
                _ = try connection.scalarInt("PRAGMA max_page_count = \(pages)")
                return try connection.scalarInt("PRAGMA freelist_count") ?? -1
            }
            try #require(free == 0)
        case .locked:
            let other = try SQLiteConnection(path: sqlite.path, mode: .readWriteCreate)
            try other.exec("BEGIN IMMEDIATE")
            lockHolder = other
        }
        // Bodies larger than a page, so that no batch fits into space the file already has.
        rig.harness.emulator.enqueue(queue: rig.queue, bodies: (0..<count).map { Bodies.largeReport($0) })
        rig.runtime.start()

        let (redelivered, fewestUndeleted, failing) = await Self.awaitRefusedRedelivery(rig, store)

        #expect(redelivered, "a message was received again after its visibility timeout")
        #expect(fewestUndeleted == count, "no message left the queue while the ledger could not write")
        #expect(try await store.counts() == LedgerCounts())
        let line = DaemonStatus.line([try #require(failing)])
        #expect(line.contains("store_unavailable") && line.contains(fault.sqliteMessage), "STATUS= says why: \(line)")

        switch fault {
        case .diskFull:
            try await sqlite.withWriteConnection { _ = try $0.scalarInt("PRAGMA max_page_count = 1073741823") }
        case .locked:
            try lockHolder?.exec("ROLLBACK")
            lockHolder?.close()
        }
        try await rig.harness.waitUntilDrained(timeout: .seconds(15))

        let stored = try await store.receipts(LedgerQuery(limit: 1000))
        #expect(stored.count == count)
        #expect(Set(stored.map(\.receipt.bizId)).count == count, "each message stored exactly once")
        await rig.tearDown(store)
    }
}

extension StoreOutageTests {
    /// Waits (up to 10 s) until a message has come back after its visibility timeout and been refused
    /// again. Returns whether it did, the fewest undeleted messages seen meanwhile, and a health
    /// snapshot taken while the poller reported the store unavailable.
    static func awaitRefusedRedelivery(_ rig: PollingRig, _ store: FaultInjectingStore) async
        -> (redelivered: Bool, fewestUndeleted: Int, failing: PollerHealth.Snapshot?) {
        var fewestUndeleted = Int.max
        var failing: PollerHealth.Snapshot?
        let redelivered = await eventually(within: .seconds(20)) {
            fewestUndeleted = min(fewestUndeleted, rig.undeleted)
            let snapshot = rig.poller.health.snapshot
            if snapshot.lastFailure?.kind == .storeUnavailable { failing = snapshot }
            return store.mostAttemptsForOneMessage >= 2 && failing != nil
        }
        return (redelivered, fewestUndeleted, failing)
    }
}

extension Bodies {
    /// A delivery receipt whose body (about 6 KB) is larger than a SQLite page.
    static func largeReport(_ index: Int) -> String {
        let json = """
            {"phone_number":"1380\(String(format: "%07d", index))","send_time":"2026-11-23 10:00:00",\
            "report_time":"2026-11-23 10:00:05","success":true,"err_code":"DELIVERED",\
            "err_msg":"\(String(repeating: "用户接收成功", count: 300))","sms_size":"1",\
            "biz_id":"70061974693\(String(format: "%07d", index))^0","out_id":"large-\(index)"}
            """
        return Data(json.utf8).base64EncodedString()
    }
}

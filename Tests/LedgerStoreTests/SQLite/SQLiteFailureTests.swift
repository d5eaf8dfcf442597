import CSQLite
import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

@Suite("SQLite ledger: failing writes")
struct SQLiteFailureTests {
    /// Sixteen receipts with 8 KiB bodies: more pages than a nearly full database has left.
    private var bigBatch: LedgerBatch {
        let body = String(repeating: "x", count: 8192)
        return Sample.batch(receipts: (0..<16).map { Sample.receipt(bizId: "big-\($0)", body: body) },
                            sends: [Sample.send(bizId: "big-0")])
    }

    @Test func aFullDiskRollsBackTheWholeBatchAndIsRetryableLater() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()]))
        let before = try await store.counts()
        try await store.withWriteConnection { connection in
            let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
            _ = try connection.scalarInt("PRAGMA max_page_count = \(pages + 2)")
        }

        let error = await #expect(throws: StoreError.self) { _ = try await store.commit(bigBatch) }
        #expect(error?.kind == .unavailable)
        #expect((error?.code ?? 0) & 0xFF == SQLITE_FULL)
        #expect(try await store.counts() == before)

        try await store.withWriteConnection { _ = try $0.scalarInt("PRAGMA max_page_count = 1073741823") }
        let retried = try await store.commit(bigBatch)
        #expect(retried.receipts.new == 16)
        await store.close()
    }

    /// A row that fails after others of the batch were written (here a trigger refuses it) leaves the
    /// transaction open; the store must roll the earlier rows back itself.
    @Test func aRowFailingMidBatchRollsBackTheRowsBeforeIt() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        try await store.withWriteConnection { connection in
            try connection.exec("""
                CREATE TRIGGER refuse_poison BEFORE INSERT ON receipts WHEN NEW.biz_id = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """)
        }
        let batch = Sample.batch(receipts: [Sample.receipt(bizId: "ok-1"), Sample.receipt(bizId: "ok-2"),
                                            Sample.receipt(bizId: "poison")],
                                 replies: [Sample.reply()], sends: [Sample.send(bizId: "ok-1")])

        let error = await #expect(throws: StoreError.self) { _ = try await store.commit(batch) }
        #expect(error?.kind == .rejected)
        #expect(try await store.counts() == LedgerCounts())
        #expect(try await store.commit(Sample.batch(receipts: [Sample.receipt()])).receipts.new == 1)
        await store.close()
    }

    @Test func aLockHeldByAnotherConnectionIsBusy() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open(SQLiteLedgerOptions(busyTimeout: .milliseconds(20)))
        let other = try SQLiteConnection(path: ledger.path, mode: .readWriteCreate)
        try other.exec("BEGIN IMMEDIATE")

        let error = await #expect(throws: StoreError.self) {
            _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()]))
        }
        #expect(error?.kind == .busy)
        #expect(error?.isRetryable == true)
        try other.exec("ROLLBACK")
        other.close()
        #expect(try await store.commit(Sample.batch(receipts: [Sample.receipt()])).receipts.new == 1)
        await store.close()
    }

    @Test func aConstraintViolationIsRejectedAndNotRetryable() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        try await ledger.open().close()
        let raw = try SQLiteConnection(path: ledger.path, mode: .readWriteCreate)
        defer { raw.close() }

        let error = #expect(throws: StoreError.self) {
            try raw.exec("INSERT INTO replies (dedupe_key) VALUES ('k')")
        }
        #expect(error?.kind == .rejected)
        #expect(error?.isRetryable == false)
    }

    @Test(arguments: [
        (SQLITE_BUSY, StoreError.Kind.busy),
        (SQLITE_LOCKED, .busy),
        (SQLITE_FULL, .unavailable),
        (SQLITE_IOERR | (4 << 8), .unavailable), // SQLITE_IOERR_FSYNC
        (SQLITE_READONLY, .unavailable),
        (SQLITE_CANTOPEN, .unavailable),
        (SQLITE_CONSTRAINT | (8 << 8), .rejected), // SQLITE_CONSTRAINT_UNIQUE
        (SQLITE_SCHEMA, .rejected),
        (SQLITE_MISMATCH, .rejected),
        (SQLITE_CORRUPT, .corrupt),
        (SQLITE_NOTADB, .corrupt),
    ])
    func resultCodesAreClassifiedByWhatRetryingCanDo(code: Int32, kind: StoreError.Kind) {
        #expect(StoreError.classify(code: code) == kind)
    }
}

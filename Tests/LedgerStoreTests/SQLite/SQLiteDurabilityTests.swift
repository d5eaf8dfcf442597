import Foundation
@testable import LedgerStore
import SMSLedgerCore
import Testing

@Suite("SQLite ledger: durability settings, reopening and migrations")
struct SQLiteDurabilityTests {
    @Test func journalModeIsWALAndSynchronousIsFullByDefault() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()

        let (mode, synchronous) = try await store.withWriteConnection { connection in
            (try connection.scalarText("PRAGMA journal_mode"), try connection.scalarInt("PRAGMA synchronous"))
        }
        #expect(mode == "wal")
        #expect(synchronous == 2)
        #expect(store.durability.journalMode == "wal")
        #expect(store.durability.synchronous == .full)
        await store.close()
    }

    @Test func synchronousIsNormalWhenAsked() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open(SQLiteLedgerOptions(synchronous: .normal))

        let synchronous = try await store.withWriteConnection { try $0.scalarInt("PRAGMA synchronous") }
        #expect(synchronous == 1)
        #expect(store.durability.synchronous == .normal)
        await store.close()
    }

    @Test func busyTimeoutIsApplied() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open(SQLiteLedgerOptions(busyTimeout: .milliseconds(1234)))

        #expect(try await store.withWriteConnection { try $0.scalarInt("PRAGMA busy_timeout") } == 1234)
        #expect(store.durability.busyTimeoutMilliseconds == 1234)
        await store.close()
    }

    @Test func foreignKeysAreOn() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()

        #expect(try await store.withWriteConnection { try $0.scalarInt("PRAGMA foreign_keys") } == 1)
        await store.close()
    }

    @Test func committedDataIsSeenByAFreshConnectionAfterReopening() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let store = try ledger.open()
        _ = try await store.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
        await store.close()

        let raw = try SQLiteConnection(path: ledger.path, mode: .readOnly)
        #expect(try raw.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try raw.scalarInt("SELECT count(*) FROM receipts") == 1)
        raw.close()
        let reopened = try ledger.open()
        #expect(try await reopened.counts() == LedgerCounts(receipts: 1, replies: 1, sends: 1))
        await reopened.close()
    }

    @Test func reopeningLeavesTheSchemaAndDataAsTheyWere() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let first = try ledger.open()
        _ = try await first.commit(Sample.batch(sends: [Sample.send()]))
        await first.close()

        let second = try ledger.open()
        await second.close()
        let third = try ledger.open()
        #expect(try await third.withWriteConnection { try $0.scalarInt("PRAGMA user_version") }
            == LedgerSchema.latestVersion)
        #expect(try await third.counts().sends == 1)
        await third.close()
    }

    @Test func aLedgerFromANewerBuildIsRefused() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        try await ledger.open().close()
        let raw = try SQLiteConnection(path: ledger.path, mode: .readWriteCreate)
        try raw.exec("PRAGMA user_version = 99")
        raw.close()

        let error = #expect(throws: StoreError.self) { try ledger.open() }
        #expect(error?.kind == .incompatible)
    }

    @Test func anotherApplicationsDatabaseIsRefused() throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let raw = try SQLiteConnection(path: ledger.path, mode: .readWriteCreate)
        try raw.exec("CREATE TABLE notes (body TEXT)")
        raw.close()

        #expect(throws: StoreError.self) { try ledger.open() }
        let error = #expect(throws: StoreError.self) { try SQLiteLedgerStore(readOnlyAt: ledger.path) }
        #expect(error?.kind == .incompatible)
    }
}

@Suite("SQLite ledger: read-only opening")
struct SQLiteReadOnlyTests {
    @Test func aMissingFileIsRefusedAndNotCreated() throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }

        let error = #expect(throws: StoreError.self) { try SQLiteLedgerStore(readOnlyAt: ledger.path) }
        #expect(error?.kind == .unavailable)
        #expect(error?.message.contains(ledger.path) == true)
        #expect(!FileManager.default.fileExists(atPath: ledger.path))
    }

    @Test func readsWhatTheWriterCommitted() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let writer = try ledger.open()
        _ = try await writer.commit(Sample.batch(receipts: [Sample.receipt()]))

        let reader = try SQLiteLedgerStore(readOnlyAt: ledger.path)
        #expect(reader.isReadOnly)
        #expect(try await reader.receipts(.all()).map(\.receipt.bizId) == ["biz-1"])
        await reader.close()
        await writer.close()
    }

    @Test func writesAreRefusedAsUnavailableAndNothingIsStored() async throws {
        let ledger = try TemporaryLedger()
        defer { ledger.remove() }
        let writer = try ledger.open()
        let reader = try SQLiteLedgerStore(readOnlyAt: ledger.path)

        let error = await #expect(throws: StoreError.self) {
            _ = try await reader.commit(Sample.batch(receipts: [Sample.receipt()], replies: [Sample.reply()]))
        }
        #expect(error?.kind == .unavailable)
        #expect(error?.isRetryable == true)
        #expect(try await writer.counts() == LedgerCounts())
        await reader.close()
        await writer.close()
    }
}

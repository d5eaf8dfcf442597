import Foundation

/// The tables an export can read.
public enum LedgerRecordKind: String, Sendable, CaseIterable {
    case receipts, replies, sends, quarantine
}

/// One row of any table, as the store's other queries return it.
public enum LedgerRecord: Sendable, Hashable {
    case receipt(StoredReceipt)
    case reply(StoredReply)
    case send(TrackedSend)
    case quarantine(StoredQuarantine)
}

/// Where the next page of an export starts: after the row with this ordering key and id. Opaque to
/// callers; a store defines what `key` is (SQLite: the time column, for sends its ten-minute bucket).
public struct ExportCursor: Sendable, Hashable {
    public var key: Int64
    public var id: Int64

    public init(key: Int64, id: Int64) {
        self.key = key
        self.id = id
    }
}

/// A page of an export and where the next one starts (`nil` after the last page).
public struct ExportPage: Sendable {
    public var records: [LedgerRecord]
    public var next: ExportCursor?

    public init(records: [LedgerRecord], next: ExportCursor?) {
        self.records = records
        self.next = next
    }
}

/// A ledger that can be read out whole, a page at a time, oldest first.
///
/// Pages rather than one long query: each page is a short read, so an export of years of rows holds
/// neither memory nor a read snapshot for its whole length, and the daemon's own reads interleave.
/// Each page starts from the cursor through the table's time index, so every page costs the same.
/// Rows are in time order (the same time column as ``LedgerQuery``: `receivedAt` for receipts and
/// replies, `lastSeen` for quarantine; sends by `sentAt` (on SQLite by its ten-minute bucket), then
/// by id, so sends of the same time come in the order they were recorded). Sends without a send time are
/// not exported: they have no place in a time-ordered export (`smsledger sends` lists them).
public protocol LedgerExportSource: Sendable {
    /// Up to `limit` rows of `kind` with time in `[from, to)` (either bound may be `nil`), after `cursor`.
    func exportPage(_ kind: LedgerRecordKind, from: Date?, to: Date?, after cursor: ExportCursor?,
                    limit: Int) async throws -> ExportPage
}

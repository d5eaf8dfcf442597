import Foundation
import LedgerStore
import Parsers
import SMSLedgerCore

/// Bulk import of sends made elsewhere (`smsledger track --file`): JSON lines, one send per line, in
/// the shape `POST /v1/sends` takes (see ``SendRecordDecoding``).
///
/// The whole input is validated before anything is committed, so a bad line 90,000 leaves the ledger
/// as it was, and the error names the line and the field. Valid input is then committed in batches
/// (one transaction each) to bound the memory and the time the write lock is held. Should the store
/// fail between two batches, the earlier ones stay; recording a send is idempotent, so running the
/// same import again finishes the job without counting anything twice.
public enum SendImport {
    public static let defaultBatchSize = 500

    /// Every send in `data`. Blank lines and lines starting with `#` are skipped; a line may end in
    /// `\r\n`. A UTF-8 byte order mark at the start is ignored.
    public static func parse(_ data: Data, now: Date) throws(SendRecordError) -> [SendRecord] {
        var records: [SendRecord] = []
        var lineNumber = 0
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = trimmed(line)
            if trimmed.isEmpty || trimmed.first == UInt8(ascii: "#") { continue }
            let json: JSONValue
            do throws(JSONValue.ParseError) {
                json = try JSONValue.parse(trimmed)
            } catch {
                throw SendRecordError(field: "line \(lineNumber)", message: "is not a JSON object")
            }
            do {
                records.append(try SendRecordDecoding.record(json, now: now))
            } catch {
                throw SendRecordError(field: error.field.isEmpty ? "line \(lineNumber)" : "line \(lineNumber): \(error.field)",
                                      message: error.message)
            }
        }
        return records
    }

    /// Parses all of `data`, then commits it: the whole of `smsledger track --file`. Throws
    /// ``SendRecordError`` (nothing written) for bad input, the store's error for a failed commit.
    public static func importLines(_ data: Data, into store: any LedgerStore, firstCheckDelay: TimeInterval,
                                   now: Date = Date(), batchSize: Int = defaultBatchSize) async throws -> ItemCount {
        let records = try parse(data, now: now)
        return try await commit(records, to: store, firstCheckDelay: firstCheckDelay, batchSize: batchSize)
    }

    /// Commits `records` in batches of `batchSize`; returns how many were new and how many were
    /// tracked already. Throws the store's error (a ``StoreError`` saying whether to retry).
    public static func commit(_ records: [SendRecord], to store: any LedgerStore, firstCheckDelay: TimeInterval,
                              batchSize: Int = defaultBatchSize) async throws -> ItemCount {
        var total = ItemCount()
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + max(1, batchSize), records.endIndex)
            let summary = try await store.commit(LedgerBatch(sends: Array(records[start..<end]),
                                                             firstCheckDelay: firstCheckDelay))
            total.new += summary.sends.new
            total.duplicate += summary.sends.duplicate
            start = end
        }
        return total
    }

    private static func trimmed(_ line: Data.SubSequence) -> Data.SubSequence {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = line.firstIndex(where: { !isSpace($0) }),
              let last = line.lastIndex(where: { !isSpace($0) }) else { return line[line.endIndex...] }
        return line[first...last]
    }
}

import Crypto
import SMSLedgerCore

/// The rules every ledger store applies when news meets a stored row, in one place so that the SQLite
/// and PostgreSQL writers cannot drift apart (the conformance suite checks both against them).
package enum SendMerge {
    /// Whether a send in `current` (last moved by a report at `lastReportAt`, epoch ms) takes `next`.
    ///
    /// ``DeliveryStatus/accepts(_:)`` (a final state is never replaced, so the first final report
    /// wins), plus one refinement for intermediate news: a non-final report replaces a non-final
    /// state only when it is not older, so a stale report replayed late does not undo a newer one.
    package static func shouldMove(_ current: DeliveryStatus, lastReportAt: Int64?, to next: DeliveryStatus,
                                   reportedAt: Int64) -> Bool {
        guard current.accepts(next) else { return false }
        if next.isFinal { return true }
        guard let lastReportAt else { return true }
        return reportedAt >= lastReportAt
    }

    /// SHA-256 over the source, a zero byte, and the body: the same bytes from two sources are two
    /// different problems and stay two quarantine rows; the same bytes again bump one row's count.
    package static func quarantineDigest(of entry: QuarantineEntry) -> [UInt8] {
        var digest = SHA256()
        digest.update(data: Array(entry.source.rawValue.utf8))
        digest.update(data: [UInt8(0)])
        digest.update(data: entry.rawBody)
        return Array(digest.finalize())
    }
}

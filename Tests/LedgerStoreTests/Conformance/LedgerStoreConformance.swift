import Foundation
import LedgerStore
import Testing

/// How the conformance suite gets a store to test: a fresh, empty one per check, and a way to get
/// rid of it afterwards. Every ``LedgerStore`` implementation provides one of these and runs
/// ``ConformanceCheck/allCases`` against it (see `SQLiteConformanceTests`).
struct LedgerStoreHarness: Sendable {
    let open: @Sendable () async throws -> any LedgerStore
    let discard: @Sendable (any LedgerStore) async -> Void
}

/// The behaviour every ledger store must show, one case per behaviour. Adding a case here adds it to
/// every store's suite.
enum ConformanceCheck: String, CaseIterable, Sendable, CustomTestStringConvertible {
    // Commit and idempotency (Conformance+Commit.swift)
    case commitStoresEveryKindAndCountsIt = "a batch stores every kind and counts it"
    case emptyBatchChangesNothing = "an empty batch changes nothing"
    case sameReceiptTwiceIsOneRow = "the same MNS message stored twice is one receipt row"
    case queueAndCompensationReportIsOneRow = "the same report from the queue and from compensation is one row"
    case duplicateInsideOneBatchIsOneRow = "a duplicate inside one batch is one row"
    case sameReplyTwiceIsOneRow = "the same reply twice is one row"
    case sameQuarantineBodyBumpsCount = "the same quarantine body bumps count and last seen"
    case sameBodyFromAnotherSourceIsAnotherRow = "the same body from another source is another quarantine row"
    case sameSendTwiceFillsWithoutErasing = "the same send twice is one row that gains fields and loses none"
    case receiptRoundTripsEveryField = "a stored receipt reads back with every field"
    case replyRoundTripsEveryField = "a stored reply reads back with every field"
    case closedStoreRefusesWork = "a closed store refuses work as unavailable"
    // Status merge and linking (Conformance+Merge.swift)
    case lateIntermediateKeepsDelivery = "delivered then a late pending stays delivered"
    case deliveryReplacesPending = "pending then delivered becomes delivered"
    case firstFinalStateWins = "failed then delivered stays failed"
    case newerIntermediateReplacesOlder = "a newer intermediate report replaces an older one"
    case olderIntermediateKeepsNewer = "an older intermediate report does not replace a newer one"
    case historyKeepsEveryReport = "every distinct report is kept in the history"
    case orphanReceiptCreatesUntrackedSend = "an orphan receipt creates an untracked send with its state"
    case trackAfterReceiptLinksThem = "tracking after the receipt links them and keeps the state"
    case phonelessReceiptFindsTrackedSend = "a receipt without phone updates the send tracked with one"
    case trackAdoptsPhonelessOrphan = "tracking with a phone adopts the orphan of a phoneless receipt"
    // Queries and compensation (Conformance+Query.swift)
    case queryByPhone = "query filters by phone"
    case queryByBizId = "query filters by biz id"
    case queryByOutId = "query filters by out id"
    case queryByState = "query filters by state"
    case queryByTimeRange = "query filters by time range, from inclusive to exclusive"
    case queryByProviderAndSource = "query filters by provider and source"
    case queryNewestFirstWithLimit = "query returns newest first up to the limit"
    case quarantineQueryBySourceAndTime = "quarantine query filters by source and last seen"
    case dueSendsAreTrackedOpenAndDue = "due sends are tracked, open and due, earliest first"
    case firstCheckDelayPostponesCheck = "the first check waits for the batch's first-check delay"
    case finalReceiptEndsChecks = "a final receipt takes a send off the due list"
    case markCheckedSchedulesNext = "mark checked schedules the next check"
    case markCheckedClosesAsUnknown = "mark checked closes an open send as unknown with the reason"
    case closingKeepsFinalState = "closing a send that is already final keeps its state"

    var testDescription: String { rawValue }

    /// Opens a fresh store from `harness`, runs this check against it, and discards the store.
    func run(on harness: LedgerStoreHarness) async throws {
        let store = try await harness.open()
        do {
            try await run(store)
        } catch {
            await harness.discard(store)
            throw error
        }
        await harness.discard(store)
    }

    private func run(_ store: any LedgerStore) async throws {
        let check = Conformance(store: store)
        switch self {
        case .commitStoresEveryKindAndCountsIt: try await check.commitStoresEveryKindAndCountsIt()
        case .emptyBatchChangesNothing: try await check.emptyBatchChangesNothing()
        case .sameReceiptTwiceIsOneRow: try await check.sameReceiptTwiceIsOneRow()
        case .queueAndCompensationReportIsOneRow: try await check.queueAndCompensationReportIsOneRow()
        case .duplicateInsideOneBatchIsOneRow: try await check.duplicateInsideOneBatchIsOneRow()
        case .sameReplyTwiceIsOneRow: try await check.sameReplyTwiceIsOneRow()
        case .sameQuarantineBodyBumpsCount: try await check.sameQuarantineBodyBumpsCount()
        case .sameBodyFromAnotherSourceIsAnotherRow: try await check.sameBodyFromAnotherSourceIsAnotherRow()
        case .sameSendTwiceFillsWithoutErasing: try await check.sameSendTwiceFillsWithoutErasing()
        case .receiptRoundTripsEveryField: try await check.receiptRoundTripsEveryField()
        case .replyRoundTripsEveryField: try await check.replyRoundTripsEveryField()
        case .closedStoreRefusesWork: try await check.closedStoreRefusesWork()
        case .lateIntermediateKeepsDelivery: try await check.lateIntermediateKeepsDelivery()
        case .deliveryReplacesPending: try await check.deliveryReplacesPending()
        case .firstFinalStateWins: try await check.firstFinalStateWins()
        case .newerIntermediateReplacesOlder: try await check.newerIntermediateReplacesOlder()
        case .olderIntermediateKeepsNewer: try await check.olderIntermediateKeepsNewer()
        case .historyKeepsEveryReport: try await check.historyKeepsEveryReport()
        case .orphanReceiptCreatesUntrackedSend: try await check.orphanReceiptCreatesUntrackedSend()
        case .trackAfterReceiptLinksThem: try await check.trackAfterReceiptLinksThem()
        case .phonelessReceiptFindsTrackedSend: try await check.phonelessReceiptFindsTrackedSend()
        case .trackAdoptsPhonelessOrphan: try await check.trackAdoptsPhonelessOrphan()
        case .queryByPhone: try await check.queryByPhone()
        case .queryByBizId: try await check.queryByBizId()
        case .queryByOutId: try await check.queryByOutId()
        case .queryByState: try await check.queryByState()
        case .queryByTimeRange: try await check.queryByTimeRange()
        case .queryByProviderAndSource: try await check.queryByProviderAndSource()
        case .queryNewestFirstWithLimit: try await check.queryNewestFirstWithLimit()
        case .quarantineQueryBySourceAndTime: try await check.quarantineQueryBySourceAndTime()
        case .dueSendsAreTrackedOpenAndDue: try await check.dueSendsAreTrackedOpenAndDue()
        case .firstCheckDelayPostponesCheck: try await check.firstCheckDelayPostponesCheck()
        case .finalReceiptEndsChecks: try await check.finalReceiptEndsChecks()
        case .markCheckedSchedulesNext: try await check.markCheckedSchedulesNext()
        case .markCheckedClosesAsUnknown: try await check.markCheckedClosesAsUnknown()
        case .closingKeepsFinalState: try await check.closingKeepsFinalState()
        }
    }
}

/// The checks themselves, written against `any LedgerStore` only.
struct Conformance {
    let store: any LedgerStore
}

import Foundation

/// The compensation job's decisions, as pure functions of the due sends, the answers and `now`.
///
/// The daemon's `Compensator` only carries them out (ask, commit, record). The life of an open send:
///
/// ```
///  recorded ──(sentAt + firstCheckAfter)──▶ due ──plan──▶ asked ──applying──▶ settled (final row stored)
///                                            ▲                      │
///                                            └── checkAgain(backoff)┘  still waiting / no row / refused
///  due after the send date left the window ──plan──▶ closed `unknown` (final), no question asked
/// ```
///
/// Errors that are nobody's answer (throttling, timeouts, 5xx, a wrong key) produce no decision at
/// all: the send stays due and the next tick asks again.
public struct CompensationPlanner: Sendable, Hashable {
    public var policy: CompensationPolicy

    public init(policy: CompensationPolicy = CompensationPolicy()) {
        self.policy = policy
    }

    /// Why a send is closed when its send date leaves the window.
    public var windowClosedReason: String {
        "no final status within the \(policy.window.days)-day QuerySendDetails window"
    }

    /// Splits the due sends into questions and decisions that need none.
    ///
    /// - Alibaba sends with a phone and a send date still inside the window are grouped by
    ///   (phone, Beijing send date), groups and sends in the order given (the store's due order).
    /// - A send whose date has left the window is closed as `unknown` without asking.
    /// - A send that cannot be asked about (another provider, no phone, no biz id) is re-scheduled by
    ///   the backoff, so it neither blocks the head of the due list nor is closed before its time;
    ///   at the window's end it is closed like any other.
    /// - Without a send time there is neither a date to ask for nor a window to wait for: closed.
    public func plan(_ sends: [DueSend], now: Date) -> CompensationPlan {
        var plan = CompensationPlan()
        var groupIndex: [GroupKey: Int] = [:]
        for send in sends {
            guard let sentAt = send.sentAt else {
                plan.decisions.append(close(send, now: now, finding: .notQueryable(reason: "no send time recorded"),
                                            reason: "no send time recorded, so QuerySendDetails cannot be asked"))
                continue
            }
            guard policy.window.contains(sentAt: sentAt, now: now) else {
                plan.decisions.append(close(send, now: now, finding: .windowClosed, reason: closingReason(for: send)))
                continue
            }
            if let reason = unqueryableReason(send) {
                plan.decisions.append(checkAgain(send, now: now, finding: .notQueryable(reason: reason)))
                continue
            }
            let key = GroupKey(phoneNumber: send.phoneNumber ?? "", sendDate: BeijingTime.sendDate(of: sentAt))
            if let index = groupIndex[key] {
                plan.queries[index].sends.append(send)
            } else {
                groupIndex[key] = plan.queries.count
                plan.queries.append(SendDetailsQuery(phoneNumber: key.phoneNumber, sendDate: key.sendDate, sends: [send]))
            }
        }
        return plan
    }

    /// Applies the rows of one lookup (all pages) to the send it asked about.
    ///
    /// A row counts only when it is about the same phone, and about the same biz id when it names
    /// one; others are ignored. A final row is stored (the store's receipt path makes the send final;
    /// the first final report wins there). A row with a status we do not know is stored as news but
    /// settles nothing. A "waiting" row is not stored (it says nothing new and would repeat every
    /// check). Without a final row the send is checked again by the schedule. A row that cannot be
    /// normalised is quarantined and counts as no row.
    public func applying(rows: [Data], to lookup: SendDetailsLookup, now: Date) -> LookupOutcome {
        var receipts: [DeliveryReceipt] = []
        var warnings: [NormalisationWarning] = []
        var quarantine: [QuarantineEntry] = []
        var ignored = 0
        var settled: DeliveryState?
        var sawRow = false
        for row in rows {
            let normalised: Normalised<DeliveryReceipt>
            do {
                normalised = try SendDetailsNormaliser.normalise(row: row, bizId: lookup.bizId)
            } catch {
                quarantine.append(QuarantineEntry(
                    source: .compensation, rawBody: row, reason: error.reason,
                    context: "QuerySendDetails BizId \(lookup.bizId) SendDate \(lookup.sendDate)"))
                continue
            }
            let receipt = normalised.value
            guard receipt.phoneNumber == lookup.phoneNumber, Self.rowBizId(row).map({ $0 == lookup.bizId }) ?? true else {
                ignored += 1
                continue
            }
            sawRow = true
            warnings += normalised.warnings
            if receipt.status.isFinal {
                settled = settled ?? receipt.status.state
                receipts.append(receipt)
            } else if receipt.status.state != .pending {
                receipts.append(receipt)
            }
        }
        let finding: CompensationDecision.Finding = settled.map { .settled($0) } ?? (sawRow ? .stillPending : .notFound)
        return LookupOutcome(receipts: receipts, warnings: warnings, quarantine: quarantine, ignoredRows: ignored,
                             decision: checkAgain(lookup.send, now: now, finding: finding))
    }

    /// Alibaba refused this one question with a business error (`isv.MOBILE_NUMBER_ILLEGAL`, a send
    /// date it will not take): asking again at once would get the same answer, so the send waits
    /// for its next check like an unanswered one, and closes with the window.
    public func refused(_ lookup: SendDetailsLookup, code: String, now: Date) -> CompensationDecision {
        checkAgain(lookup.send, now: now, finding: .refused(code: code))
    }

    // MARK: Building decisions

    private func checkAgain(_ send: DueSend, now: Date, finding: CompensationDecision.Finding) -> CompensationDecision {
        let next = policy.nextCheck(after: now, checksDone: send.checkCount + 1, sentAt: send.sentAt)
        return CompensationDecision(send: send, checkedAt: now, finding: finding, outcome: .checkAgain(at: next))
    }

    private func close(_ send: DueSend, now: Date, finding: CompensationDecision.Finding,
                       reason: String) -> CompensationDecision {
        CompensationDecision(send: send, checkedAt: now, finding: finding, outcome: .close(reason: reason))
    }

    private func closingReason(for send: DueSend) -> String {
        guard let reason = unqueryableReason(send) else { return windowClosedReason }
        return "no final status within \(policy.window.days) days (\(reason))"
    }

    private func unqueryableReason(_ send: DueSend) -> String? {
        if send.provider != .alibaba { return "\(send.provider.rawValue) has no status query" }
        if send.phoneNumber == nil { return "no phone number recorded" }
        if send.bizId.isEmpty { return "no biz id recorded" }
        return nil
    }

    /// The row's own `BizId`, when it carries one (the documented rows do not; a future or
    /// emulated answer might).
    private static func rowBizId(_ row: Data) -> String? {
        (try? JSONFields.parse(row)).flatMap { try? $0.identifier("BizId") }.flatMap { $0.isEmpty ? nil : $0 }
    }

    private struct GroupKey: Hashable {
        var phoneNumber: String
        var sendDate: String
    }
}

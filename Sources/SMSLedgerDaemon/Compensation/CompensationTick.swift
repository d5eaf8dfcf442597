import AlibabaCloud
import Foundation
import LedgerStore
import Logging
import SMSLedgerCore

/// One tick of the ``Compensator``: select, plan, ask, apply, record.
extension Compensator {
    /// Runs one tick now and returns what it did. The timer calls this; tests and a one-shot CLI
    /// command may call it directly (not concurrently with a running timer tick).
    @discardableResult
    public func runOnce() async -> CompensationTickReport {
        let settings = self.settings.withLock { $0 }
        var report = CompensationTickReport()
        health.markProgress()
        defer {
            let rate = limiter.currentRate
            let finishedAt = now()
            health.update { s in
                s.ticks += 1
                s.lastTickAt = finishedAt
                s.busySince = nil
                s.currentQPS = rate
            }
        }
        let startedAt = now()
        let due: [TrackedSend]
        do {
            due = try await store.claimDueSends(now: startedAt, limit: settings.batchLimit,
                                                leaseUntil: startedAt.addingTimeInterval(settings.claimLease))
        } catch {
            logger.error("cannot read the sends that are due: \(error)")
            health.update { $0.lastFailure = "store: \(error)" }
            report.storeFailure = "\(error)"
            return report
        }
        report.due = due.count
        guard !due.isEmpty else { return report }

        let planner = CompensationPlanner(policy: settings.policy)
        let plan = planner.plan(due.map(DueSend.init), now: startedAt)
        var pending = PendingRecord()
        pending.decisions = plan.decisions
        let lookups = plan.lookups
        let paging = settings.paging

        await withTaskGroup(of: (SendDetailsLookup, LookupAnswer).self) { group in
            var next = 0
            var halted = false
            while next < lookups.count, next < settings.concurrency {
                let lookup = lookups[next]
                next += 1
                group.addTask { (lookup, await self.ask(lookup, paging: paging)) }
            }
            while let (lookup, answer) = await group.next() {
                health.markProgress()
                if handle(answer, for: lookup, planner: planner, into: &pending, report: &report) == .halt {
                    halted = true
                }
                if pending.decisions.count >= settings.flushEvery {
                    await record(&pending, report: &report)
                }
                if !halted, !isStopping, next < lookups.count {
                    let lookup = lookups[next]
                    next += 1
                    group.addTask { (lookup, await self.ask(lookup, paging: paging)) }
                }
            }
            report.skipped += lookups.count - next
        }
        await record(&pending, report: &report)
        logSummary(report)
        return report
    }

    // MARK: Asking

    enum LookupAnswer: Sendable {
        case rows([Data])
        case failed(any Error)
        /// Not asked (or not finished) because the compensator is stopping.
        case skipped
    }

    /// Reads every page of one lookup, each after a token from the limiter.
    func ask(_ lookup: SendDetailsLookup, paging: SendDetailsPaging) async -> LookupAnswer {
        var rows: [Data] = []
        var page = paging.firstPage
        while true {
            guard !isStopping else { return .skipped }
            do {
                try await limiter.acquire()
            } catch {
                return .skipped
            }
            let answer: SendDetailsPage
            do {
                defer { health.update { $0.queries += 1 } }
                answer = try await source.querySendDetails(
                    phoneNumber: lookup.phoneNumber, bizId: lookup.bizId, sendDate: lookup.sendDate,
                    pageSize: paging.pageSize, currentPage: page)
            } catch {
                return .failed(error)
            }
            rows += answer.rows
            guard let following = paging.nextPage(after: page, rowsOnPage: answer.rows.count, rowsSoFar: rows.count,
                                                  totalCount: answer.totalCount) else { return .rows(rows) }
            page = following
        }
    }

    // MARK: Applying

    enum Flow { case proceed, halt }

    /// Turns one lookup's answer into receipts and a decision, or into "ask again next tick".
    func handle(_ answer: LookupAnswer, for lookup: SendDetailsLookup, planner: CompensationPlanner,
                into pending: inout PendingRecord, report: inout CompensationTickReport) -> Flow {
        var logger = self.logger
        logger[metadataKey: LogKeys.smsBizId] = "\(lookup.bizId)"
        logger[metadataKey: LogKeys.smsPhone] = "\(lookup.phoneNumber)"
        switch answer {
        case .skipped:
            report.skipped += 1
            return .proceed
        case .rows(let rows):
            let outcome = planner.applying(rows: rows, to: lookup, now: now())
            outcome.warnings.forEach { logger.warning("\($0)") }
            outcome.quarantine.forEach { logger.warning("QuerySendDetails row quarantined: \($0.reason)") }
            if outcome.ignoredRows > 0 {
                logger.debug("ignored \(outcome.ignoredRows) row(s) about another send")
            }
            pending.add(outcome)
            report.answered += 1
            health.update { s in
                s.configurationError = nil
                s.answered += 1
            }
            return .proceed
        case .failed(let error):
            return handle(failure: error, for: lookup, planner: planner, logger: logger, into: &pending,
                          report: &report)
        }
    }

    private func handle(failure error: any Error, for lookup: SendDetailsLookup, planner: CompensationPlanner,
                        logger: Logger, into pending: inout PendingRecord,
                        report: inout CompensationTickReport) -> Flow {
        guard let alibaba = error as? AlibabaError else {
            recordTransient("\(error)", logger: logger, report: &report)
            return .proceed
        }
        var logger = logger
        logger[metadataKey: LogKeys.errorCode] = "\(alibaba.code)"
        if let requestId = alibaba.requestId { logger[metadataKey: LogKeys.requestId] = "\(requestId)" }
        if alibaba.isThrottling {
            limiter.throttled()
            health.update { $0.throttled += 1 }
            report.throttled += 1
            logger.debug("throttled; slowing down to \(limiter.currentRate)/s")
            return .proceed
        }
        if alibaba.isInvalidInput || (alibaba.kind == .business && !alibaba.isRetryable) {
            pending.decisions.append(planner.refused(lookup, code: alibaba.code, now: now()))
            health.update { $0.refused += 1 }
            report.refused += 1
            logger.warning("QuerySendDetails refused this send; asking again at its next check: \(alibaba)")
            return .proceed
        }
        if alibaba.kind == .configuration {
            logger.error("QuerySendDetails needs attention, compensation cannot ask until it is fixed: \(alibaba)",
                         metadata: [LogKeys.errorKind: "configuration"])
            health.update { s in
                s.configurationError = "\(alibaba.code)"
                s.lastFailure = "\(alibaba)"
            }
            report.configurationError = "\(alibaba)"
            return .halt
        }
        recordTransient("\(alibaba)", logger: logger, report: &report)
        return .proceed
    }

    private func recordTransient(_ description: String, logger: Logger, report: inout CompensationTickReport) {
        health.update { s in
            s.transientFailures += 1
            s.lastFailure = description
        }
        report.transient += 1
        logger.debug("QuerySendDetails failed, the send stays due: \(description)")
    }

    // MARK: Recording

    /// Receipts and decisions gathered since the last commit.
    struct PendingRecord {
        var receipts: [DeliveryReceipt] = []
        var quarantine: [QuarantineEntry] = []
        var decisions: [CompensationDecision] = []

        mutating func add(_ outcome: LookupOutcome) {
            receipts += outcome.receipts
            quarantine += outcome.quarantine
            decisions.append(outcome.decision)
        }

        var isEmpty: Bool { receipts.isEmpty && quarantine.isEmpty && decisions.isEmpty }
    }

    /// Commits the receipts first (the store's receipt path settles their sends), then records the
    /// decisions. If the commit fails nothing is recorded, so every send involved stays due and is
    /// asked again; receipts are idempotent, so asking twice stores nothing twice.
    func record(_ pending: inout PendingRecord, report: inout CompensationTickReport) async {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = PendingRecord()
        var summary = CommitSummary()
        if !batch.receipts.isEmpty || !batch.quarantine.isEmpty {
            let receivedAt = now()
            let ledgerBatch = LedgerBatch(receipts: batch.receipts.map { Received($0, receivedAt: receivedAt) },
                                          quarantine: batch.quarantine.map { Received($0, receivedAt: receivedAt) })
            do {
                summary = try await store.commit(ledgerBatch)
            } catch {
                logger.error("cannot commit compensation results; the sends stay due: \(error)",
                             metadata: [LogKeys.batchSize: "\(batch.receipts.count)"])
                health.update { $0.lastFailure = "store: \(error)" }
                report.storeFailure = "\(error)"
                return
            }
        }
        do {
            try await store.markChecked(batch.decisions.map(SendCheck.init))
        } catch {
            logger.error("cannot record compensation checks; the sends will be asked again: \(error)")
            health.update { $0.lastFailure = "store: \(error)" }
            report.storeFailure = "\(error)"
            return
        }
        health.recordFlush(summary, decisions: batch.decisions)
        report.receiptsStored += summary.receipts.new
        report.quarantined += summary.quarantine.new
        for decision in batch.decisions {
            switch (decision.finding, decision.outcome) {
            case (_, .close(let reason)):
                report.closed += 1
                logger.info("closed as unknown: \(reason)", metadata: [LogKeys.smsBizId: "\(decision.send.bizId)"])
            case (.settled, _): report.settled += 1
            default: report.rescheduled += 1
            }
        }
    }

    private func logSummary(_ report: CompensationTickReport) {
        let metadata: Logger.Metadata = [
            "due": "\(report.due)", "settled": "\(report.settled)", "closed": "\(report.closed)",
            "rescheduled": "\(report.rescheduled)", "throttled": "\(report.throttled)",
            "transient": "\(report.transient)",
        ]
        if report.transient > 0 || report.throttled > 0 {
            logger.warning("compensation tick: some questions got no answer and stay due", metadata: metadata)
        } else {
            logger.info("compensation tick", metadata: metadata)
        }
    }
}

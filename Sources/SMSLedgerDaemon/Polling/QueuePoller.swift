import Foundation
import LedgerStore
import Logging
import SMSLedgerCore
import Synchronization

/// Polling settings that a reload may change while the poller runs.
public struct PollerSettings: Sendable, Equatable {
    public var batchSize: Int
    public var waitSeconds: Int
    public var highDequeueCount: Int

    public init(batchSize: Int = 16, waitSeconds: Int = 30, highDequeueCount: Int = 5) {
        self.batchSize = batchSize
        self.waitSeconds = waitSeconds
        self.highDequeueCount = highDequeueCount
    }
}

/// One poller on one queue: a Dispatch timer drives a ``ConsumeCycle``; this class only carries out
/// the actions the cycle returns (receive, commit, delete, re-arm the timer).
///
/// The at-least-once contract lives in the cycle: `.delete` is only ever returned after
/// `committed()`, so a message leaves the queue only once its row (or its quarantine row) is durable.
///
/// The clock and the jitter are injected (defaults: `ContinuousClock` and a uniform random number) so
/// that tests can date the steps and fix the backoff instead of waiting on wall time.
public final class QueuePoller: Sendable {
    public let id: String
    public let kind: MessageKind
    private let source: any MessageSource
    private let store: any LedgerStore
    private let logger: Logger
    private let settings: Mutex<PollerSettings>
    private let cycle: Mutex<ConsumeCycle>
    private let inFlight = Mutex<Task<Void, Never>?>(nil)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    public let health: PollerHealth
    private let timer: Mutex<PollTimer?> = Mutex(nil)
    /// Shrinks receives after an answer that could not be read at all (see ``ReceiveBatchSize``).
    private let batchSize = Mutex(ReceiveBatchSize())
    private let now: @Sendable () -> ContinuousClock.Instant
    private let jitter: @Sendable () -> Double

    /// - Parameters:
    ///   - now: the clock for receive durations and the health's step dates.
    ///   - jitter: a number in 0...1 for each backoff (see ``RetryPolicy``).
    public init(id: String, kind: MessageKind, source: any MessageSource, store: any LedgerStore,
                settings: PollerSettings, policy: RetryPolicy, logger: Logger, metrics: QueueMetrics? = nil,
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
                jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.id = id
        self.now = now
        self.jitter = jitter
        self.kind = kind
        self.source = source
        self.store = store
        self.settings = Mutex(settings)
        self.cycle = Mutex(ConsumeCycle(policy: policy))
        var logger = logger
        logger[metadataKey: LogKeys.mnsQueue] = "\(source.queueName)"
        logger[metadataKey: LogKeys.poller] = "\(id)"
        self.logger = logger
        self.health = PollerHealth(queue: source.queueName, now: now, metrics: metrics)
    }

    /// Arms the timer for the first receive.
    public func start() {
        let timer = PollTimer(label: "smsledger.poller.\(id)") { [weak self] in self?.onTick() }
        self.timer.withLock { $0 = timer }
        timer.schedule(after: .zero)
    }

    /// How many messages the next receive asks for: the configured batch size, or less while an
    /// unreadable answer is being narrowed down.
    public var nextBatchSize: Int {
        let configured = settings.withLock { $0.batchSize }
        return batchSize.withLock { $0.next(configured: configured) }
    }

    public func update(_ newSettings: PollerSettings) {
        settings.withLock { $0 = newSettings }
    }

    /// Graceful stop: an in-flight receive is cancelled (nothing was taken yet, or what was taken
    /// becomes visible again after its timeout); a batch being committed or deleted is finished.
    public func stop() async {
        let action = step { $0.stop() }
        perform(action)
        if case .none = action { cancelReceiveIfReceiving() }
        await withCheckedContinuation { continuation in
            let resumeNow = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.withLock { $0?.cancel() }
    }

    private func cancelReceiveIfReceiving() {
        let receiving = cycle.withLock { $0.state == .receiving }
        if receiving { inFlight.withLock { $0?.cancel() } }
    }

    private func onTick() {
        perform(step { $0.tick() })
    }

    /// One transition of the cycle; the health mirrors its failure count afterwards.
    private func step(_ transition: (inout ConsumeCycle) -> ConsumeCycle.Action) -> ConsumeCycle.Action {
        let (action, snapshot) = cycle.withLock { cycle in (transition(&cycle), cycle) }
        health.mirror(snapshot)
        return action
    }

    private func perform(_ action: ConsumeCycle.Action) {
        switch action {
        case .receive:
            health.markBusy(true)
            let task = Task { await self.runCycle() }
            inFlight.withLock { $0 = task }
        case .schedule(let delay):
            health.markBusy(false)
            timer.withLock { $0?.schedule(after: delay) }
        case .finish:
            health.markBusy(false)
            let waiters = finished.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        case .none, .commit, .delete:
            break
        }
    }

    /// One pass of receive → commit → delete. Each step reports to the cycle and follows its answer.
    private func runCycle() async {
        let current = settings.withLock { $0 }
        let size = batchSize.withLock { $0.next(configured: current.batchSize) }
        let started = now()
        let messages: [SourceMessage]
        do {
            messages = try await source.receive(max: size, waitSeconds: current.waitSeconds)
        } catch {
            let failure = classify(error)
            if failure.kind == .configuration {
                logger.error("queue needs attention: \(failure.message)", metadata: [LogKeys.errorKind: "\(failure.kind.rawValue)"])
            } else if !(error is CancellationError) {
                logger.warning("receive failed: \(failure.message)", metadata: [LogKeys.errorKind: "\(failure.kind.rawValue)"])
            }
            if let error = error as? SourceError, error.answerUnreadable {
                let next = batchSize.withLock { sizer in
                    sizer.answerUnreadable(configured: current.batchSize)
                    return sizer.next(configured: current.batchSize)
                }
                logger.warning("receiving \(next) at a time until the message that breaks the answer comes alone",
                               metadata: [LogKeys.batchSize: "\(next)"])
            }
            perform(step { $0.receiveFailed(failure, jitter: jitter()) })
            return
        }
        batchSize.withLock { $0.answerRead(count: messages.count) }
        let enqueued = health.metrics == nil ? [] : messages.compactMap(\.enqueuedAt)
        health.recordReceived(messages.count, oldestEnqueued: enqueued.min())
        let afterReceive = step {
            $0.received(count: messages.count, elapsed: now() - started, waitSeconds: current.waitSeconds)
        }
        guard afterReceive == .commit else { return perform(afterReceive) }

        let (batch, handles) = makeBatch(messages, highDequeueCount: current.highDequeueCount)
        do {
            let summary = try await store.commit(batch)
            health.recordCommitted(summary, enqueuedAt: enqueued)
        } catch {
            health.recordBatchDone()
            let failure = ConsumeFailure(.storeUnavailable, "\(error)")
            logger.error("ledger commit failed; nothing deleted, messages will be redelivered: \(error)",
                         metadata: [LogKeys.batchSize: "\(messages.count)"])
            perform(step { $0.commitFailed(failure, jitter: jitter()) })
            return
        }
        guard step({ $0.committed() }) == .delete else { return }

        let failures = await source.delete(handles)
        for failure in failures {
            health.recordDeleteFailure()
            logger.warning("delete failed; the message will come back and be absorbed: \(failure.reason)",
                           metadata: [LogKeys.mnsReceiptHandle: "\(failure.handle)"])
        }
        health.recordBatchDone()
        perform(step { $0.deleted() })
    }

    /// Normalises every message; what cannot be normalised becomes a quarantine row in the same batch.
    ///
    /// A body that failed its MD5 check was damaged on the way, so it is left in the queue to be
    /// delivered again; only when it keeps arriving damaged is what we have quarantined (and then
    /// deleted), so that one bad message cannot circle forever. A message that could not be read at
    /// all is quarantined at once with its raw bytes: it came back in every batch with its neighbours.
    ///
    /// The per-message logger (message id and dequeue count as metadata) is built only when something
    /// is logged: building it for every message cost two dictionary copies per message on the hot path.
    private func makeBatch(_ messages: [SourceMessage], highDequeueCount: Int) -> (batch: LedgerBatch, handles: [String]) {
        var batch = LedgerBatch()
        var handles: [String] = []
        handles.reserveCapacity(messages.count)
        let logsEachMessage = logger.logLevel <= .debug
        for message in messages {
            let context = message.messageId.isEmpty ? "mns message (MessageId unreadable)" : "mns message \(message.messageId)"
            if message.dequeueCount >= highDequeueCount {
                messageLogger(message).error("message delivered \(message.dequeueCount) times; earlier deletes did not take effect")
            }
            let event: LedgerEvent
            if let unreadable = message.unreadable {
                event = .quarantine(QuarantineEntry(source: kind.eventSource, rawBody: unreadable.raw,
                                                    reason: unreadable.reason, context: context))
            } else if let corruption = message.corruption {
                guard message.dequeueCount >= highDequeueCount else {
                    messageLogger(message).warning("\(corruption); left in the queue for redelivery")
                    continue
                }
                event = .quarantine(QuarantineEntry(source: kind.eventSource, rawBody: Data(message.body.utf8),
                                                    reason: corruption, context: context))
            } else {
                let normalised = MNSBodyNormaliser.normaliseWithWarnings(body: message.body, queueKind: kind, context: context)
                if !normalised.warnings.isEmpty {
                    let messageLogger = messageLogger(message)
                    normalised.warnings.forEach { messageLogger.warning("\($0)") }
                }
                event = normalised.value
            }
            if case .quarantine = event {
                log(event, to: messageLogger(message))
            } else if logsEachMessage {
                log(event, to: messageLogger(message))
            }
            batch.append(event, mnsMessageId: message.messageId.isEmpty ? nil : message.messageId)
            handles.append(message.receiptHandle)
        }
        return (batch, handles)
    }

    private func messageLogger(_ message: SourceMessage) -> Logger {
        var messageLogger = logger
        messageLogger[metadataKey: LogKeys.mnsMessageId] = "\(message.messageId)"
        messageLogger[metadataKey: LogKeys.mnsDequeueCount] = "\(message.dequeueCount)"
        return messageLogger
    }

    /// Receipts and replies at debug level, quarantined bodies as a warning.
    private func log(_ event: LedgerEvent, to logger: Logger) {
        switch event {
        case .receipt(let receipt):
            logger.debug("receipt", metadata: [LogKeys.smsBizId: "\(receipt.bizId)",
                                               LogKeys.smsOutId: "\(receipt.outId ?? "")",
                                               LogKeys.smsPhone: "\(receipt.phoneNumber ?? "")",
                                               LogKeys.smsStatusCode: "\(receipt.providerCode)"])
        case .inbound(let reply):
            logger.debug("reply", metadata: [LogKeys.smsPhone: "\(reply.phoneNumber)"])
        case .quarantine(let entry):
            logger.warning("quarantined: \(entry.reason)")
        }
    }

    private func classify(_ error: any Error) -> ConsumeFailure {
        if let error = error as? SourceError { return ConsumeFailure(error.kind, error.message) }
        if error is CancellationError { return ConsumeFailure(.transient, "receive cancelled") }
        return ConsumeFailure(.transient, "\(error)")
    }
}

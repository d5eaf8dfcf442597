import AlibabaCloud
import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore

/// Delivers one endpoint's events: claim due deliveries from the outbox (a lease), POST each signed
/// request with at most `max_in_flight` at once and at most `max_per_second`, record every outcome in
/// one transaction, repeat. All state lives in the ledger, so a restart (or a kill -9) resumes
/// where it was: an unrecorded attempt's lease runs out and the delivery is claimed again, with the
/// same `webhook-id`, so the receiver can drop the duplicate.
///
/// A failing endpoint is probed with one delivery at growing intervals (``EndpointHealth``), so a
/// dead endpoint costs one request per interval instead of holding the outbox's writer busy with
/// thousands of failed attempts while the pollers drain.
struct WebhookEndpointWorker: Sendable {
    let endpoint: WebhookEndpointSettings
    let signer: WebhookSigner
    let outbox: any WebhookOutbox
    let transport: any HTTPTransport
    let schedule: WebhookRetrySchedule
    let pollInterval: Duration
    let limiter: RateLimiter
    let health: WebhookHealth
    let logger: Logger

    /// Deliveries claimed per round while healthy.
    var claimSize: Int { endpoint.maxInFlight * 8 }

    func run() async {
        var endpointHealth = EndpointHealth()
        var random = SystemRandomNumberGenerator()
        // The outcomes of one round are written while the next round's requests are on the wire: the
        // round's deliveries stay leased until then, so none is claimed twice.
        var recording: Task<Void, Never>?
        while !Task.isCancelled {
            if endpointHealth.pause > .zero { try? await Task.sleep(for: endpointHealth.pause) }
            let claims: [ClaimedDelivery]
            do {
                let limit = endpointHealth.claimLimit(full: claimSize)
                let now = Date()
                claims = try await outbox.claimWebhookDeliveries(
                    endpoint: endpoint.name, types: endpoint.events, now: now, leaseUntil: now + leaseLength(limit),
                    limit: limit)
            } catch {
                logger.warning("cannot claim webhook deliveries: \(error)")
                try? await Task.sleep(for: pollInterval * 4)
                continue
            }
            guard !claims.isEmpty else {
                try? await Task.sleep(for: pollInterval)
                continue
            }
            // Claims come back only for an enabled endpoint: clear a 410 an operator has since lifted.
            if health.endpoint(endpoint.name)?.disabledReason != nil { health.disabled(endpoint.name, reason: nil) }
            let attempts = await attemptAll(claims)
            let records = attempts.map { decide($0.delivery, $0.result, at: $0.at, using: &random) }
            await recording?.value
            recording = Task { [outbox, logger] in
                do {
                    try await outbox.recordWebhookAttempts(records)
                } catch {
                    // The leases run out and the deliveries go again: at least once, never lost.
                    logger.error("cannot record webhook attempts: \(error)")
                }
            }
            let succeeded = attempts.filter { if case .accepted = $0.result { true } else { false } }.count
            endpointHealth.record(attempted: attempts.count, succeeded: succeeded)
            if let gone = attempts.first(where: { $0.result == .gone }) {
                await recording?.value
                await disable(after: gone.delivery)
            }
        }
        await recording?.value
    }

    /// Long enough for every claimed request to run into its timeout one batch after another.
    private func leaseLength(_ limit: Int) -> TimeInterval {
        let rounds = (limit + endpoint.maxInFlight - 1) / endpoint.maxInFlight
        return Double(endpoint.timeout.components.seconds) * Double(rounds) + 5 + Double(limit) / endpoint.maxPerSecond
    }

    private struct Attempt: Sendable {
        var delivery: ClaimedDelivery
        var result: WebhookAttemptResult
        var at: Date
    }

    /// Sends the claimed deliveries, `max_in_flight` at a time; results keep the claim's order.
    private func attemptAll(_ claims: [ClaimedDelivery]) async -> [Attempt] {
        await withTaskGroup(of: (Int, Attempt?).self) { group in
            var results = [Attempt?](repeating: nil, count: claims.count)
            var next = 0
            func startNext() {
                guard next < claims.count else { return }
                let index = next
                next += 1
                group.addTask {
                    guard (try? await limiter.acquire()) != nil else { return (index, nil) }
                    let at = Date()
                    guard let result = await post(claims[index], at: at) else { return (index, nil) }
                    return (index, Attempt(delivery: claims[index], result: result, at: at))
                }
            }
            for _ in 0..<min(endpoint.maxInFlight, claims.count) { startNext() }
            for await (index, attempt) in group {
                results[index] = attempt
                startNext()
            }
            return results.compactMap { $0 }
        }
    }

    /// `nil` when the request was cut short by a stop: not an attempt (its lease runs out and the
    /// delivery goes again after the restart, without using up a step of its schedule).
    private func post(_ delivery: ClaimedDelivery, at time: Date) async -> WebhookAttemptResult? {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "SMSLedger-Webhooks/1"),
        ]
        headers += signer.headers(id: delivery.eventID, at: time, body: delivery.body)
        headers += endpoint.headers.map { ($0.name, $0.value) }
        let request = TransportRequest(method: "POST", url: endpoint.url.absoluteString, headers: headers,
                                       body: Data(delivery.body))
        do {
            let response = try await transport.execute(request, timeout: endpoint.timeout)
            switch response.status {
            case 200..<300: return .accepted(status: response.status)
            case 410: return .gone
            default: return .rejected(status: response.status)
            }
        } catch {
            return Task.isCancelled ? nil : .unreachable(Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? AlibabaError { return "\(error.code): \(error.message)" }
        return "\(error)"
    }

    /// The schedule's decision, logged and counted once here, turned into what the ledger records.
    private func decide(_ delivery: ClaimedDelivery, _ result: WebhookAttemptResult, at time: Date,
                        using random: inout SystemRandomNumberGenerator) -> WebhookAttemptRecord {
        let attempt = delivery.attempts + 1
        let decision = schedule.decide(attempt: attempt, result: result, using: &random)
        let lag = Duration.milliseconds(Int64(max(0, Date().timeIntervalSince(delivery.createdAt)) * 1000))
        health.record(endpoint: endpoint.name, result: result, decision: decision, lag: lag)
        var metadata: Logger.Metadata = [
            LogKeys.webhookEndpoint: "\(endpoint.name)", LogKeys.webhookId: "\(delivery.eventID)",
            LogKeys.webhookAttempt: "\(attempt)",
        ]
        if let status = result.httpStatus { metadata[LogKeys.httpStatus] = "\(status)" }
        let next: WebhookAttemptRecord.Next
        switch decision {
        case .delivered:
            next = .delivered
            logger.debug("webhook delivered", metadata: metadata)
        case .retry(let after):
            let seconds = Double(after.components.seconds) + Double(after.components.attoseconds) / 1e18
            next = .retry(at: time + seconds)
            logger.warning("webhook attempt failed (\(result.summary)); retrying in \(after)", metadata: metadata)
        case .dead:
            next = .dead
            let hint = "`smsledger deliveries replay --event \(delivery.eventID)` sends it again"
            logger.error("webhook delivery dead after \(attempt) attempts (\(result.summary)); \(hint)", metadata: metadata)
        case .disableEndpoint:
            next = .held
        }
        let error: String? = if case .delivered = decision { nil } else { result.summary }
        return WebhookAttemptRecord(endpoint: endpoint.name, sequence: delivery.sequence, attemptedAt: time,
                                    httpStatus: result.httpStatus, error: error, next: next)
    }

    /// 410 Gone: the receiver says the endpoint no longer exists. Stop sending (the deliveries stay
    /// pending) until an operator runs `smsledger deliveries enable`.
    private func disable(after delivery: ClaimedDelivery) async {
        let reason = "410 Gone for \(delivery.eventID)"
        _ = try? await outbox.setWebhookEndpoint(endpoint.name, disabledReason: reason, at: Date())
        health.disabled(endpoint.name, reason: reason)
        let hint = "fix the URL or run `smsledger deliveries enable --endpoint \(endpoint.name)`"
        logger.critical("webhook endpoint answered 410 Gone and is now disabled; \(hint)",
            metadata: [LogKeys.webhookEndpoint: "\(endpoint.name)", LogKeys.webhookId: "\(delivery.eventID)",
                       LogKeys.httpStatus: "410"])
    }
}

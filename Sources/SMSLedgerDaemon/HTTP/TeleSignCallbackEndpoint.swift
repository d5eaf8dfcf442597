import Foundation
import HTTPServing
import LedgerStore
import Logging
import SMSLedgerCore

/// `POST <http.telesign_callback_path>`: TeleSign-style delivery reports into the ledger.
///
/// Steps, each answering at once when it fails, so nothing unsigned or oversize is ever parsed:
///
/// | check                                   | answer                                            |
/// |-----------------------------------------|---------------------------------------------------|
/// | body over 64 KiB                        | 413, nothing stored                               |
/// | no `telesign.api_key` configured        | 503 + `Retry-After`, nothing stored (see below)   |
/// | signature missing / not matching        | 401, nothing stored (see ``TeleSignSignature``)   |
/// | store cannot commit                     | 503 + `Retry-After`, nothing stored               |
/// | signed, readable                        | 200 `{"status":"stored"|"duplicate",…}` after the commit |
/// | signed, unreadable (bad JSON, missing field) | 202 `{"status":"quarantined",…}` after the commit |
///
/// **Unreadable but signed bodies answer 202, not 4xx.** The body is in the quarantine table, which
/// is durable storage, so there is nothing left for the provider to deliver; a 4xx would make it
/// retry the identical bytes, which can never parse, for as long as its retry policy lasts. 202 says
/// "accepted, not processed as a receipt", and the JSON names the reason for whoever reads the
/// provider's delivery logs. The operator finds the body in `smsledger quarantine`.
///
/// **No key configured answers 503, not 404.** Callbacks arriving means someone gave the provider
/// this URL; the missing key is a configuration slip on our side. 503 makes the provider keep the
/// reports and retry, so they land once the key is set, instead of being dropped as a dead URL.
///
/// Unknown status codes are stored as `unknown`, not final (the normaliser's rule), and logged once
/// per code. Replays and late intermediate reports are harmless: the store keeps one row per report
/// and never replaces a final state.
final class TeleSignCallbackEndpoint: Sendable {
    /// Real callbacks are a few hundred bytes.
    static let bodyLimit = NormalisationError.bodyLimit
    static let unconfiguredRetryAfterSeconds = 60

    private let signature: TeleSignSignature?
    private let path: String
    private let store: any LedgerStore
    private let health: ListenerHealth
    private let logger: Logger
    private let warned = WarnOnce()
    private let metrics: QueueMetrics?

    init(signature: TeleSignSignature?, path: String, store: any LedgerStore, health: ListenerHealth, logger: Logger,
         metrics: QueueMetrics? = nil) {
        self.metrics = metrics
        self.signature = signature
        self.path = path
        self.store = store
        self.health = health
        self.logger = logger
    }

    func handle(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        guard request.body.readableBytes <= Self.bodyLimit else { return ListenerResponse.tooLarge(limit: Self.bodyLimit) }
        guard let signature else {
            if warned.first("unconfigured") {
                logger.error("a TeleSign callback arrived but telesign.api_key is not set; answering 503 so the provider retries",
                             metadata: [LogKeys.httpPath: "\(path)"])
            }
            return ListenerResponse.error(503, "TeleSign callbacks are not configured on this ledger",
                                          headers: [("Retry-After", String(Self.unconfiguredRetryAfterSeconds))])
        }
        let body = request.bodyData
        let values = TeleSignSignature.headerNames.flatMap { request.headers.values(for: $0) }
        switch signature.verify(body: body, headerValues: values) {
        case .valid:
            break
        case .missing:
            return refuse("missing signature: send it in Authorization or X-TS-Authorization", request)
        case .invalid:
            return refuse("the signature does not match the body", request)
        }
        return await store(body, from: request.remoteAddress)
    }

    private func store(_ body: Data, from remote: String?) async -> HTTPServerResponse {
        let normalised = TeleSignCallbackNormaliser.event(body: body, context: "TeleSign callback from \(remote ?? "unknown peer")")
        if let code = normalised.unknownStatusCode, warned.first("code:\(code)") {
            logger.warning("\(normalised.warnings.first?.description ?? "unknown TeleSign status code \(code)")",
                           metadata: [LogKeys.smsStatusCode: "\(code)"])
        }
        if case .inbound = normalised.value {
            // The TeleSign normaliser never produces replies; refuse rather than store the wrong kind.
            return ListenerResponse.error(500, "unexpected event kind")
        }
        var batch = LedgerBatch()
        batch.append(normalised.value)
        let summary: CommitSummary
        do {
            summary = try await store.commit(batch)
        } catch {
            logger.error("could not store a TeleSign callback: \(error)", metadata: [LogKeys.httpPath: "\(path)"])
            health.update { $0.lastFailure = "\(error)" }
            return ListenerResponse.storeUnavailable()
        }
        switch normalised.value {
        case .receipt(let receipt):
            let isNew = summary.receipts.new > 0
            health.update { isNew ? ($0.stored += 1) : ($0.duplicates += 1) }
            metrics?.received.increment()
            metrics?.committed(stored: isNew ? 1 : 0, duplicate: isNew ? 0 : 1, quarantined: 0)
            logger.debug("TeleSign callback stored", metadata: [
                LogKeys.smsBizId: "\(receipt.bizId)", LogKeys.smsStatusCode: "\(receipt.providerCode)",
            ])
            return ListenerResponse.json(200, [
                "status": isNew ? "stored" : "duplicate", "reference_id": receipt.bizId,
                "state": receipt.status.state.rawValue, "final": receipt.status.isFinal,
            ])
        case .quarantine(let entry):
            health.update { $0.quarantined += 1 }
            metrics?.received.increment()
            metrics?.committed(stored: 0, duplicate: 0, quarantined: 1)
            logger.warning("quarantined a signed TeleSign callback: \(entry.reason)", metadata: [LogKeys.httpPath: "\(path)"])
            return ListenerResponse.json(202, ["status": "quarantined", "error": entry.reason])
        case .inbound:
            return ListenerResponse.error(500, "unexpected event kind")
        }
    }

    private func refuse(_ reason: String, _ request: HTTPServerRequest) -> HTTPServerResponse {
        logger.warning("refused a TeleSign callback from \(request.remoteAddress ?? "?"): \(reason)",
                       metadata: [LogKeys.httpPath: "\(path)", LogKeys.httpStatus: "401"])
        return ListenerResponse.error(401, reason)
    }
}

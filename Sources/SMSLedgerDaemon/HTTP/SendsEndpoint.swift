import Foundation
import HTTPServing
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore

/// Who may call `POST /v1/sends`. Pure, so the decision is tested apart from the socket it is bound to.
///
/// - A configured bearer token is always required, loopback or not: an operator who set one expects
///   it to be checked, and other local users can reach loopback too.
/// - Bound to a non-loopback address, a token is required; without one (the config loader refuses
///   that, but code can build it) every request is refused, failing closed.
/// - Bound to loopback without a token, requests are accepted as they are.
///
/// The header is `Authorization: Bearer <token>` (scheme case-insensitive); the token is compared in
/// constant time.
struct SendsAuthorization: Sendable {
    enum Decision: Equatable {
        case allowed
        case denied(String)
    }

    let requiresToken: Bool
    let token: Secret?

    init(settings: HTTPSettings) {
        token = settings.bearerToken
        requiresToken = settings.bearerToken != nil || !settings.listen.isLoopback
    }

    func decide(authorization: String?) -> Decision {
        guard requiresToken else { return .allowed }
        guard let token else { return .denied("this listener is not on loopback and has no bearer token configured") }
        guard let header = authorization?.trimmingCharacters(in: .whitespaces), header.count > 7,
              header.prefix(7).lowercased() == "bearer " else {
            return .denied("an Authorization: Bearer token is required")
        }
        let presented = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return ConstantTime.textEquals(presented, token.reveal()) ? .allowed : .denied("the bearer token is not valid")
    }
}

/// `POST /v1/sends`: records sends made with the caller's own SDK so compensation can follow them up.
///
/// Every item is validated before anything is written (400 naming the field, nothing stored); the
/// valid batch is committed in one transaction and answered only after the commit is durable: 201
/// when at least one send is new, 200 when all were tracked already, with the counts. A send that a
/// receipt named first (an orphan) is linked by this commit and counts as new.
struct SendsEndpoint: Sendable {
    let authorization: SendsAuthorization
    let maxBodyBytes: Int
    let store: any LedgerStore
    let firstCheckDelay: TimeInterval
    let health: ListenerHealth
    let logger: Logger

    func handle(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        if case .denied(let reason) = authorization.decide(authorization: request.headers["Authorization"]) {
            logger.warning("refused POST /v1/sends from \(request.remoteAddress ?? "?"): \(reason)",
                           metadata: [LogKeys.httpPath: "\(ListenerRoute.sendsPath)", LogKeys.httpStatus: "401"])
            return ListenerResponse.error(401, reason, headers: [("WWW-Authenticate", "Bearer")])
        }
        guard request.body.readableBytes <= maxBodyBytes else { return ListenerResponse.tooLarge(limit: maxBodyBytes) }
        let records: [SendRecord]
        do {
            records = try SendRecordDecoding.requestBody(request.bodyData, now: Date())
        } catch {
            return ListenerResponse.error(400, error.message, field: error.field)
        }
        let summary: CommitSummary
        do {
            summary = try await store.commit(LedgerBatch(sends: records, firstCheckDelay: firstCheckDelay))
        } catch {
            logger.error("could not record \(records.count) sends: \(error)", metadata: [LogKeys.batchSize: "\(records.count)"])
            health.update { $0.lastFailure = "\(error)" }
            return ListenerResponse.storeUnavailable()
        }
        health.update { s in
            s.stored += summary.sends.new
            s.duplicates += summary.sends.duplicate
        }
        logger.debug("recorded \(summary.sends.new) new sends, \(summary.sends.duplicate) known",
                     metadata: [LogKeys.batchSize: "\(records.count)"])
        return ListenerResponse.json(summary.sends.new > 0 ? 201 : 200, [
            "received": records.count, "new": summary.sends.new, "duplicate": summary.sends.duplicate,
        ])
    }
}

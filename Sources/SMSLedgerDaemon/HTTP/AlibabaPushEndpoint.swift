import Foundation
import HTTPServing
import LedgerStore
import Logging
import SMSLedgerConfig
import SMSLedgerCore

/// `POST <alibaba_push.path_prefix>/<token>/SmsReport` and `.../SmsUp`: Alibaba's HTTP batch push
/// ("HTTP批量推送") into the ledger, with the guarantees the MNS pollers give.
///
/// | situation                                   | answer                                         |
/// |---------------------------------------------|------------------------------------------------|
/// | peer outside `allow_from`                   | 403, nothing stored                            |
/// | body over `max_body_bytes`                  | 413, nothing stored                            |
/// | not a JSON array                            | 400 `{"code":400,…}` after the body is quarantined |
/// | store cannot commit                         | 503 `{"code":503,…}` + `Retry-After`, nothing stored |
/// | an array (unreadable items quarantined)     | 200 `{"code":0,"msg":"接收成功"}` after the commit |
///
/// **Code 0 only after the commit.** Alibaba treats `{"code":0}` as "delivered" and never pushes
/// those items again, so the answer waits for the one transaction that stores every item of the
/// array; the commit joins the pollers' group commit, so it costs one shared fsync, not one per push.
/// Any other answer makes the platform push the array again later, and the ledger's idempotency
/// (the same dedupe keys as the queue) stores each item once however often it comes, and whichever
/// channel brings it.
///
/// **An unreadable item does not fail the array** (see ``AlibabaPushNormaliser``): it is
/// quarantined with its own bytes and the rest are stored, because answering an error would make
/// the platform repeat the same array, with the good items, until its retries run out.
///
/// The token is part of the path and never logged: log lines show the path with `…` in its place.
final class AlibabaPushEndpoint: Sendable {
    static let acceptedMessage = "接收成功"

    private let settings: AlibabaPushSettings
    private let store: any LedgerStore
    private let health: ListenerHealth
    private let logger: Logger
    private let warned = WarnOnce()
    private let metrics: ListenerMetrics?

    init(settings: AlibabaPushSettings, store: any LedgerStore, health: ListenerHealth, logger: Logger,
         metrics: ListenerMetrics? = nil) {
        self.metrics = metrics
        self.settings = settings
        self.store = store
        self.health = health
        self.logger = logger
    }

    /// The path for `kind` as logs show it, without the token.
    func loggedPath(_ kind: MessageKind) -> String {
        "\(settings.pathPrefix)/…/\(kind.rawValue)"
    }

    func handle(_ request: HTTPServerRequest, kind: MessageKind) async -> HTTPServerResponse {
        let peer = request.remoteAddress
        var metadata: Logger.Metadata = [LogKeys.pushType: "\(kind.rawValue)", LogKeys.httpPath: "\(loggedPath(kind))",
                                         LogKeys.httpPeer: "\(peer ?? "?")"]
        let host = peer.flatMap(Self.host(of:))
        guard settings.allows(address: host) else {
            if warned.first("peer:\(host ?? "?")") {
                logger.warning("refused an Alibaba push from a peer outside alibaba_push.allow_from", metadata: metadata)
            }
            return Self.answer(403, "this address may not push here")
        }
        guard request.body.readableBytes <= settings.maxBodyBytes else {
            logger.warning("refused an Alibaba push of \(request.body.readableBytes) bytes, over alibaba_push.max_body_bytes",
                           metadata: metadata)
            return Self.answer(413, "body is larger than \(settings.maxBodyBytes) bytes")
        }
        let context = "HTTP push \(kind.rawValue) from \(peer ?? "unknown peer")"
        switch AlibabaPushNormaliser.normalise(body: request.bodyData, kind: kind, context: context) {
        case .notAnArray(let entry):
            var batch = LedgerBatch()
            batch.quarantine.append(Received(entry))
            guard await commit(batch, metadata: metadata) != nil else { return Self.storeUnavailable() }
            health.update { $0.quarantined += 1 }
            metrics?.pushed(kind, items: 1, summary: CommitSummary(), quarantined: 1)
            logger.warning("quarantined an Alibaba push that is not a JSON array: \(entry.reason)", metadata: metadata)
            return Self.answer(400, "body is not a JSON array (\(entry.reason)); kept in quarantine")
        case .items(let events, let warnings):
            for case .unknownStatusCode(_, let code) in warnings where warned.first("code:\(code)") {
                logger.warning("unknown Alibaba status code '\(code)' in a push; stored as unknown, not final",
                               metadata: [LogKeys.smsStatusCode: "\(code)"])
            }
            var batch = LedgerBatch()
            let now = Date()
            for event in events { batch.append(event, receivedAt: now) }
            metadata[LogKeys.batchSize] = "\(events.count)"
            guard let summary = await commit(batch, metadata: metadata) else { return Self.storeUnavailable() }
            record(summary, batch: batch, metadata: metadata)
            metrics?.pushed(kind, items: events.count, summary: summary, quarantined: batch.quarantine.count)
            return Self.answer(200, Self.acceptedMessage, code: 0)
        }
    }

    private func commit(_ batch: LedgerBatch, metadata: Logger.Metadata) async -> CommitSummary? {
        guard !batch.isEmpty else { return CommitSummary() }
        do {
            return try await store.commit(batch)
        } catch {
            logger.error("could not store an Alibaba push; answering 503 so Alibaba pushes it again: \(error)",
                         metadata: metadata)
            health.update { $0.lastFailure = "\(error)" }
            return nil
        }
    }

    private func record(_ summary: CommitSummary, batch: LedgerBatch, metadata: Logger.Metadata) {
        let items = batch.receipts.count + batch.replies.count + batch.quarantine.count
        let new = summary.receipts.new + summary.replies.new
        health.update {
            $0.pushedItems += items
            $0.stored += new
            $0.duplicates += summary.receipts.duplicate + summary.replies.duplicate
            $0.quarantined += batch.quarantine.count
        }
        for entry in batch.quarantine {
            logger.warning("quarantined a pushed item: \(entry.event.reason)",
                           metadata: metadata.merging([LogKeys.batchSize: "\(items)"]) { $1 })
        }
        logger.debug("Alibaba push stored: \(items) items, \(new) new", metadata: metadata)
    }

    /// The JSON answer Alibaba reads: `code` 0 means accepted; anything else makes it push again.
    static func answer(_ status: Int, _ message: String, code: Int? = nil,
                       headers: [(String, String)] = []) -> HTTPServerResponse {
        ListenerResponse.json(status, ["code": code ?? status, "msg": message], headers: headers)
    }

    static func storeUnavailable() -> HTTPServerResponse {
        answer(503, "the ledger cannot store this right now; push again later",
               headers: [("Retry-After", String(ListenerResponse.retryAfterSeconds))])
    }

    /// `203.0.113.7` from `203.0.113.7:51234`, `2001:db8::1` from `[2001:db8::1]:51234`.
    static func host(of peer: String) -> String? {
        if peer.hasPrefix("["), let close = peer.firstIndex(of: "]") {
            return String(peer[peer.index(after: peer.startIndex)..<close])
        }
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}

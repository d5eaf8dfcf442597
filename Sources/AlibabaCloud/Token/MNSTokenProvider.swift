import Foundation
import Logging
import SMSLedgerCore

/// Temporary MNS credentials for one Alicom queue, fetched from Dybaseapi and refreshed before they
/// expire. One provider per message type (the tokens are per queue).
///
/// The decisions are ``TokenLifetime``'s; this actor only carries them out: it runs the one fetch
/// the state machine asks for and parks the callers that must wait for it. The fetch runs in its
/// own task, so a poller that is cancelled while refreshing does not fail the others waiting on it.
public actor MNSTokenProvider: QueueTokenSource {
    private let messageType: AlicomMessageType
    private let queueName: String?
    private let fetcher: any QueueTokenFetching
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var lifetime: TokenLifetime
    private var waiters: [CheckedContinuation<QueueToken, any Error>] = []

    /// - Parameters:
    ///   - queueName: `Alicom-Queue-<uid>-<type>`; older accounts may omit it (Dybaseapi then picks
    ///     the queue from the message type).
    ///   - refreshMargin: refresh when less than this is left (the official demos use 2 minutes).
    ///   - now: the clock; injectable for tests.
    public init(messageType: AlicomMessageType, queueName: String?, fetcher: any QueueTokenFetching,
                refreshMargin: Duration = .seconds(120), now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "smsledger.alibaba.token")) {
        self.messageType = messageType
        self.queueName = queueName
        self.fetcher = fetcher
        self.now = now
        self.logger = logger
        self.lifetime = TokenLifetime(refreshMargin: refreshMargin)
    }

    public func token() async throws -> QueueToken {
        switch lifetime.nextAction(at: now()) {
        case .use(let token):
            return token
        case .waitForInFlightRefresh:
            return try await withCheckedThrowingContinuation { waiters.append($0) }
        case .refreshThenUse:
            return try await refresh()
        }
    }

    public func invalidate(_ token: QueueToken) {
        if lifetime.invalidate(token) {
            logger.notice("MNS refused the queue token; fetching a new one",
                          metadata: [LogKeys.mnsQueue: "\(queueName ?? messageType.rawValue)"])
        }
    }

    private func refresh() async throws -> QueueToken {
        let fetcher = self.fetcher
        let messageType = self.messageType
        let queueName = self.queueName
        let fetch = Task { try await fetcher.queryTokenForMnsQueue(messageType: messageType, queueName: queueName) }
        let result = await fetch.result
        let parked = waiters
        waiters.removeAll()
        switch result {
        case .success(let token):
            lifetime.refreshSucceeded(with: token)
            logger.debug("fetched MNS queue token", metadata: [
                LogKeys.mnsQueue: "\(queueName ?? messageType.rawValue)", "token.expires_at": "\(token.expiresAt)",
            ])
            parked.forEach { $0.resume(returning: token) }
            return token
        case .failure(let error):
            lifetime.refreshFailed()
            logger.warning("could not fetch MNS queue token", metadata: [
                LogKeys.mnsQueue: "\(queueName ?? messageType.rawValue)", LogKeys.error: "\(error)",
            ])
            parked.forEach { $0.resume(throwing: error) }
            throw error
        }
    }
}

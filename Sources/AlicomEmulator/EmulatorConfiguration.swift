import Synchronization
import SMSLedgerCore
import Foundation

/// Everything an ``AlicomEmulator`` needs to know before it starts.
public struct EmulatorConfiguration: Sendable {
    /// How the fake SMS network answers sends: when receipts arrive, how many fail, how many never come.
    public struct SmsFlow: Sendable, Codable, Hashable {
        /// Seconds between SendSms and the receipt (the SmsReport message becomes visible then, and
        /// QuerySendDetails stops answering "waiting").
        public var receiptDelay: TimeInterval
        /// Share of recipients whose message fails (`success:false`, `SendStatus` 2).
        public var failureShare: Double
        /// Share of receipts that never reach the queue. The ground truth and QuerySendDetails still
        /// know the outcome, which is what the compensation job must recover.
        public var withholdShare: Double

        public init(receiptDelay: TimeInterval = 2, failureShare: Double = 0.1, withholdShare: Double = 0) {
            self.receiptDelay = receiptDelay
            self.failureShare = failureShare
            self.withholdShare = withholdShare
        }
    }

    public var host: String
    /// 0 picks a free port; ``AlicomEmulator/start()`` returns the real one.
    public var port: Int
    /// The long-term key pair that may call RPC and MNS.
    public var accessKeyId: String
    public var accessKeySecret: String
    /// The Alibaba account uid; queues `Alicom-Queue-<uid>-SmsReport` and `-SmsUp` exist.
    public var accountUID: String
    /// Lifetime of tokens from QueryTokenForMnsQueue (Alibaba does not document it; the Node SDK assumes 10 min).
    public var tokenLifetime: TimeInterval
    /// Queue visibility timeout for receives (MNS default 30 s).
    public var visibilityTimeout: TimeInterval
    /// Used when a receive has no `waitseconds` (the queue's PollingWaitSeconds).
    public var pollingWaitSeconds: Int
    /// Larger clock differences in `Timestamp` / `Date` are rejected (Alibaba: 15 minutes).
    public var clockSkewTolerance: TimeInterval
    public var sms: SmsFlow
    /// Seeds outcome mixes and fault draws; `nil` draws a random seed.
    public var randomSeed: UInt64?
    /// Faults active from the start.
    public var faults: EmulatorFaults
    /// Upper bound for request bodies (MNS: 16 messages of 64 KiB).
    public var maxBodyBytes: Int
    /// The HTTP batch push channel at the start (no URLs: everything goes to the MNS queues), and what
    /// a reset returns to.
    public var push: PushSettings

    public init(host: String = "127.0.0.1", port: Int = 0,
                accessKeyId: String = "LTAI5tEmulatorKeyId", accessKeySecret: String = "EmulatorSecretKey0123456789abcd",
                accountUID: String = "1234567890123456", tokenLifetime: TimeInterval = 600,
                visibilityTimeout: TimeInterval = 30, pollingWaitSeconds: Int = 0,
                clockSkewTolerance: TimeInterval = 15 * 60, sms: SmsFlow = SmsFlow(), randomSeed: UInt64? = nil,
                faults: EmulatorFaults = EmulatorFaults(), maxBodyBytes: Int = 2 << 20,
                push: PushSettings = PushSettings()) {
        self.host = host
        self.port = port
        self.accessKeyId = accessKeyId
        self.accessKeySecret = accessKeySecret
        self.accountUID = accountUID
        self.tokenLifetime = tokenLifetime
        self.visibilityTimeout = visibilityTimeout
        self.pollingWaitSeconds = pollingWaitSeconds
        self.clockSkewTolerance = clockSkewTolerance
        self.sms = sms
        self.randomSeed = randomSeed
        self.faults = faults
        self.maxBodyBytes = maxBodyBytes
        self.push = push
    }

    public var smsReportQueue: String { "Alicom-Queue-\(accountUID)-SmsReport" }
    public var smsUpQueue: String { "Alicom-Queue-\(accountUID)-SmsUp" }
}

/// Misbehaviour on demand, for testing how clients cope. Shares are probabilities per request
/// (0 = never, 1 = always). Admin requests under `/_emulator/` are never affected.
public struct EmulatorFaults: Sendable, Codable, Hashable {
    /// Answer 500 `InternalError` (MNS XML or RPC JSON, as the endpoint speaks).
    public var serverErrorShare: Double
    /// Close the connection without answering.
    public var connectionResetShare: Double
    /// Answer "slow down": MNS 429 `QpsLimitExceeded`, RPC 400 `Throttling.User`.
    public var throttleShare: Double
    /// Receives answer 404 `MessageNotExist` at once, as MNS does when its long-poll limit is hit.
    public var messageNotExistShare: Double
    /// A successfully deleted message comes back once (at-least-once delivery).
    public var duplicateDeliveryShare: Double
    /// Added to every affected request before it is answered.
    public var addedLatencyMilliseconds: Int
    /// Share of messages whose body holds a character XML 1.0 forbids (U+0001) in every receive
    /// answer: the message is unreadable, its neighbours and its handle are not. Decided once per
    /// message, as a body that really held such a character would be.
    public var corruptBodyShare: Double
    /// Share of deliveries whose `MessageBodyMD5` does not match the body (as when a line ending
    /// changes in transit). Drawn again for every delivery, so a redelivery may arrive intact.
    public var badMD5Share: Double
    /// Share of messages written without their `</Message>` end tag in every receive answer: no
    /// message boundary and no handle can be trusted, so the whole answer is unreadable. Decided
    /// once per message.
    public var unparsableAnswerShare: Double

    public init(serverErrorShare: Double = 0, connectionResetShare: Double = 0, throttleShare: Double = 0,
                messageNotExistShare: Double = 0, duplicateDeliveryShare: Double = 0, addedLatencyMilliseconds: Int = 0,
                corruptBodyShare: Double = 0, badMD5Share: Double = 0, unparsableAnswerShare: Double = 0) {
        self.serverErrorShare = serverErrorShare
        self.connectionResetShare = connectionResetShare
        self.throttleShare = throttleShare
        self.messageNotExistShare = messageNotExistShare
        self.duplicateDeliveryShare = duplicateDeliveryShare
        self.addedLatencyMilliseconds = addedLatencyMilliseconds
        self.corruptBodyShare = corruptBodyShare
        self.badMD5Share = badMD5Share
        self.unparsableAnswerShare = unparsableAnswerShare
    }

    /// Missing JSON keys mean 0, so `{"throttleShare":1}` is a complete admin request.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            serverErrorShare: try c.decodeIfPresent(Double.self, forKey: .serverErrorShare) ?? 0,
            connectionResetShare: try c.decodeIfPresent(Double.self, forKey: .connectionResetShare) ?? 0,
            throttleShare: try c.decodeIfPresent(Double.self, forKey: .throttleShare) ?? 0,
            messageNotExistShare: try c.decodeIfPresent(Double.self, forKey: .messageNotExistShare) ?? 0,
            duplicateDeliveryShare: try c.decodeIfPresent(Double.self, forKey: .duplicateDeliveryShare) ?? 0,
            addedLatencyMilliseconds: try c.decodeIfPresent(Int.self, forKey: .addedLatencyMilliseconds) ?? 0,
            corruptBodyShare: try c.decodeIfPresent(Double.self, forKey: .corruptBodyShare) ?? 0,
            badMD5Share: try c.decodeIfPresent(Double.self, forKey: .badMD5Share) ?? 0,
            unparsableAnswerShare: try c.decodeIfPresent(Double.self, forKey: .unparsableAnswerShare) ?? 0)
    }

    public static let none = EmulatorFaults()
}

/// The fault a request draws.
enum FaultDraw: Equatable {
    case none
    case reset
    case serverError
    case throttle
}

/// The active faults and the random source they draw from.
final class FaultSwitch: Sendable {
    private struct State {
        var faults: EmulatorFaults
        var random: SeededGenerator
        /// Messages damaged for good (by id), until the faults are changed.
        var damaged: [String: MessageDamage] = [:]
    }

    private let state: Mutex<State>

    init(faults: EmulatorFaults, seed: UInt64) {
        state = Mutex(State(faults: faults, random: SeededGenerator(seed: seed)))
    }

    /// Setting the faults also forgets which messages were damaged for good.
    var faults: EmulatorFaults {
        get { state.withLock { $0.faults } }
        set {
            state.withLock {
                $0.faults = newValue
                $0.damaged = [:]
            }
        }
    }

    var permanentlyDamagedIds: Set<String> {
        state.withLock { Set($0.damaged.compactMap { id, damage in damage == MessageDamage.none ? nil : id }) }
    }

    /// How one delivery of each message (by id) is written into a receive answer; empty when no
    /// damage fault is set. The damage that belongs to a message (a forbidden character, a broken
    /// element) is decided at its first delivery and kept; a wrong MD5 (damage in transit) is drawn
    /// again for every delivery.
    func drawDamage(messageIds: [String]) -> [MessageDamage] {
        state.withLock { state in
            let faults = state.faults
            let intrinsicShares = faults.unparsableAnswerShare > 0 || faults.corruptBodyShare > 0
            guard intrinsicShares || faults.badMD5Share > 0 else { return [] }
            return messageIds.map { id in
                var intrinsic = state.damaged[id] ?? MessageDamage.none
                if state.damaged[id] == nil, intrinsicShares {
                    intrinsic = state.random.chance(faults.unparsableAnswerShare) ? .unclosedElement
                        : state.random.chance(faults.corruptBodyShare) ? .forbiddenCharacter : .none
                    state.damaged[id] = intrinsic
                }
                if intrinsic != MessageDamage.none { return intrinsic }
                return state.random.chance(faults.badMD5Share) ? .wrongMD5 : .none
            }
        }
    }

    /// The request-level fault for one request, in order of severity.
    func drawRequestFault() -> (latencyMillis: Int, draw: FaultDraw) {
        state.withLock { state in
            let faults = state.faults
            let draw: FaultDraw = if state.random.chance(faults.connectionResetShare) { .reset }
                else if state.random.chance(faults.serverErrorShare) { .serverError }
                else if state.random.chance(faults.throttleShare) { .throttle }
                else { .none }
            return (max(0, faults.addedLatencyMilliseconds), draw)
        }
    }

    func drawMessageNotExist() -> Bool {
        state.withLock { $0.random.chance($0.faults.messageNotExistShare) }
    }

    func drawDuplicateDelivery() -> Bool {
        state.withLock { $0.random.chance($0.faults.duplicateDeliveryShare) }
    }
}

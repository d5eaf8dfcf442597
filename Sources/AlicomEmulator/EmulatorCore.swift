import Synchronization
import AlibabaCloud
import SMSLedgerCore
import Foundation
import HTTPServing

/// The emulator's world: queues, push outboxes, tokens, nonces, sends and faults, shared by every endpoint.
///
/// The endpoints (RPC, MNS, admin) are extensions of this type in their own folders; the public
/// ``AlicomEmulator`` wraps it together with the HTTP server.
final class EmulatorCore: Sendable {
    let configuration: EmulatorConfiguration
    let broker: QueueBroker
    let tokens: TokenIssuer
    let nonces: NonceRegistry
    let carrier: SmsCarrier
    /// QuerySendDetails calls by phone number and send date (`GET /_emulator/queries`).
    let sendDetailsQueries = SendDetailsQueryLog()
    let faults: FaultSwitch
    let smsFlow: Mutex<EmulatorConfiguration.SmsFlow>
    /// The HTTP batch push channel, which takes receipts and replies of a type that has a push URL.
    let push: PushChannel
    private let seedState: Mutex<SeededGenerator>
    /// Part of every MNS message id, so ids from two emulator runs do not collide.
    let instanceTag: String

    init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
        let seed = configuration.randomSeed ?? UInt64.random(in: 1...UInt64.max)
        var seeds = SeededGenerator(seed: seed)
        broker = QueueBroker()
        tokens = TokenIssuer(longTermId: configuration.accessKeyId, longTermSecret: configuration.accessKeySecret,
                             lifetime: configuration.tokenLifetime)
        nonces = NonceRegistry(retention: configuration.clockSkewTolerance * 2)
        carrier = SmsCarrier(seed: seeds.next())
        faults = FaultSwitch(faults: configuration.faults, seed: seeds.next())
        smsFlow = Mutex(configuration.sms)
        instanceTag = String(seeds.next() & 0xFFFF_FFFF_FFFF_FFFF, radix: 16, uppercase: true)
        push = PushChannel(settings: configuration.push, seed: seeds.next())
        seedState = Mutex(seeds)
        createQueue(configuration.smsReportQueue)
        createQueue(configuration.smsUpQueue)
    }

    func createQueue(_ name: String) {
        broker.createQueue(name, idPrefix: "\(instanceTag)-2")
    }

    /// A fresh generator for one batch of generated bodies (keeps seeded runs reproducible).
    func makeGenerator() -> SeededGenerator {
        SeededGenerator(seed: seedState.withLock { $0.next() })
    }

    /// Enqueues raw bodies; returns the stored messages (ids and MD5s).
    func enqueue(queue: String, bodies: [String], delayMillis: EpochMillis = 0, priority: Int = 8) -> [MessageQueue.Message]? {
        broker.mutate(queue) { queue, now in
            bodies.map { queue.enqueue(body: $0, delayMillis: delayMillis, priority: priority, now: now) }
        }
    }

    /// Records a send and schedules its receipts (unless withheld), each due at its report time: as
    /// delayed SmsReport messages, as push items, or both (see ``PushChannel/route(_:)``).
    func sendSms(phones: [String], signName: String, templateCode: String, templateParam: String?,
                 outId: String?) -> String {
        let flow = smsFlow.withLock { $0 }
        let now = Date()
        let (bizId, records) = carrier.send(phones: phones, signName: signName, templateCode: templateCode,
                                            templateParam: templateParam, outId: outId, flow: flow, now: now)
        let receipts = records.filter { !$0.receiptWithheld }
        let route = push.route(.smsReport)
        if route.push, !receipts.isEmpty {
            let nowMillis = now.epochMillis
            push.add(.smsReport, receipts.map { (AlicomBodies.smsReportJSON($0), max(0, $0.reportAt.epochMillis - nowMillis)) })
        }
        if route.queue, !receipts.isEmpty {
            _ = broker.mutate(configuration.smsReportQueue) { queue, current in
                for record in receipts {
                    let due = record.reportAt.epochMillis
                    queue.enqueue(body: AlicomBodies.base64(AlicomBodies.smsReportJSON(record)),
                                  delayMillis: max(0, due - current), now: current)
                }
            }
        }
        return bizId
    }

    /// Puts a reply from a phone into the SmsUp queue or the SmsUp push outbox (or both); returns the
    /// queue message id, or the push item id when it only goes to the outbox.
    @discardableResult
    func injectSmsUp(phone: String, content: String, destCode: String, sequenceId: Int64?, signName: String?) -> String? {
        let json = AlicomBodies.smsUpJSON(
            phone: phone, content: content, destCode: destCode,
            sequenceId: sequenceId ?? Int64.random(in: 1_000_000_000...9_999_999_999),
            sentAt: Date().epochMillis, signName: signName)
        let route = push.route(.smsUp)
        let pushed = route.push ? push.add(.smsUp, [(json, 0)]).first : nil
        guard route.queue else { return pushed }
        return enqueue(queue: configuration.smsUpQueue, bodies: [AlicomBodies.base64(json)])?.first?.id
    }

    func reset() {
        broker.removeAllMessages()
        tokens.removeAll()
        nonces.removeAll()
        carrier.removeAll()
        sendDetailsQueries.removeAll()
        faults.faults = .none
        smsFlow.withLock { $0 = configuration.sms }
        push.reset()
    }

    static func mnsRequestId() -> String {
        // 24 upper-case hex digits, the shape of a real `x-mns-request-id`; one per answer, so no
        // `String(format:)`, whose formatter showed up in the emulator's profile (Benchmarks/README.md).
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: 0...UInt8.max, using: &random) }
        return Hex.encode(bytes, uppercase: true)
    }
}

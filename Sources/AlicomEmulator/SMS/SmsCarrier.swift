import Synchronization
import SMSLedgerCore
import Foundation

/// The emulator's record of one SMS to one phone: what was sent and what really happened.
///
/// This is the ground truth tests compare a ledger against: it knows outcomes whose receipts were
/// withheld from the queue.
public struct SmsSendRecord: Sendable, Codable, Hashable {
    public enum Outcome: String, Sendable, Codable, Hashable {
        case delivered
        case failed
    }

    public var bizId: String
    public var phoneNumber: String
    public var signName: String
    public var templateCode: String
    public var templateParam: String?
    public var outId: String?
    public var content: String
    public var sentAt: Date
    /// When the carrier reports; before it QuerySendDetails answers `SendStatus` 1 (waiting).
    public var reportAt: Date
    public var outcome: Outcome
    public var errCode: String
    public var errMessage: String
    /// The receipt never reaches the SmsReport queue.
    public var receiptWithheld: Bool
    /// `yyyyMMdd` in UTC+8: what QuerySendDetails needs as `SendDate`.
    public var sendDate: String
}

/// SendSms bookkeeping: BizIds, outcomes drawn from the configured mix, lookups by phone.
final class SmsCarrier: Sendable {
    private struct State {
        var records: [SmsSendRecord] = []
        var byPhone: [String: [Int]] = [:]
        var random: SeededGenerator
        var nextBizSerial: UInt64 = 900_619_746_936_498_440
    }

    private static let failures: [(code: String, message: String)] = [
        ("MK:0001", "MK:0001"), ("UNDELIV", "UNDELIV"), ("IC:0015", "IC:0015"), ("MN:0017", "MN:0017"),
    ]

    private let state: Mutex<State>

    init(seed: UInt64) {
        state = Mutex(State(random: SeededGenerator(seed: seed)))
    }

    /// Records one send to every phone, drawing each outcome; the phones share one BizId, as in Alibaba.
    func send(phones: [String], signName: String, templateCode: String, templateParam: String?, outId: String?,
              flow: EmulatorConfiguration.SmsFlow, now: Date) -> (bizId: String, records: [SmsSendRecord]) {
        let content = Self.render(signName: signName, templateCode: templateCode, templateParam: templateParam)
        return state.withLock { state in
            let bizId = "\(state.nextBizSerial)^0"
            state.nextBizSerial += 1 + UInt64.random(in: 0..<7, using: &state.random)
            let records = phones.map { phone in
                let failed = state.random.chance(flow.failureShare)
                let failure = Self.failures.randomElement(using: &state.random) ?? Self.failures[0]
                let record = SmsSendRecord(
                    bizId: bizId, phoneNumber: phone, signName: signName, templateCode: templateCode,
                    templateParam: templateParam, outId: outId.flatMap { $0.isEmpty ? nil : $0 }, content: content,
                    sentAt: now, reportAt: now.addingTimeInterval(max(0, flow.receiptDelay)),
                    outcome: failed ? .failed : .delivered, errCode: failed ? failure.code : "DELIVERED",
                    errMessage: failed ? failure.message : "用户接收成功",
                    receiptWithheld: state.random.chance(flow.withholdShare),
                    sendDate: EmulatorTime.beijingDayStamp(now.epochMillis))
                state.byPhone[phone, default: []].append(state.records.count)
                state.records.append(record)
                return record
            }
            return (bizId, records)
        }
    }

    /// Sends to `phone` on the UTC+8 day `sendDate`, optionally only those with `bizId`, oldest first.
    func records(phone: String, bizId: String?, sendDate: String) -> [SmsSendRecord] {
        state.withLock { state in
            (state.byPhone[phone] ?? []).map { state.records[$0] }
                .filter { $0.sendDate == sendDate && (bizId == nil || $0.bizId == bizId) }
        }
    }

    func all() -> [SmsSendRecord] {
        state.withLock { $0.records }
    }

    func removeAll() {
        state.withLock { state in
            state.records.removeAll()
            state.byPhone.removeAll()
        }
    }

    /// Roughly what a template renders to; only its length (billed parts) and presence matter.
    static func render(signName: String, templateCode: String, templateParam: String?) -> String {
        let parameters = templateParam.flatMap { text in
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        } ?? [:]
        if let code = parameters["code"] {
            return "【\(signName)】您的验证码\(code)，该验证码5分钟内有效，请勿泄漏于他人！"
        }
        let rendered = parameters.keys.sorted().map { "\($0)=\(parameters[$0] ?? "")" }.joined(separator: "，")
        return "【\(signName)】模板\(templateCode)" + (rendered.isEmpty ? "" : "：" + rendered)
    }
}

import SMSLedgerCore
import Foundation

/// The JSON inside Alicom queue messages, written by hand so the field order is the documented one
/// (§d of the protocol reference), then base64-encoded as MNS delivers it.
enum AlicomBodies {
    /// SmsReport (mainland): exactly `phone_number, send_time, report_time, success, err_code,
    /// err_msg, sms_size, biz_id, out_id`.
    static func smsReportJSON(_ record: SmsSendRecord) -> String {
        smsReportJSON(phone: record.phoneNumber, sentAt: record.sentAt.epochMillis,
                      reportedAt: record.reportAt.epochMillis, delivered: record.outcome == .delivered,
                      errCode: record.errCode, errMessage: record.errMessage, smsSize: smsSize(record.content),
                      bizId: record.bizId, outId: record.outId ?? "")
    }

    static func smsReportJSON(phone: String, sentAt: EpochMillis, reportedAt: EpochMillis, delivered: Bool,
                              errCode: String, errMessage: String, smsSize: Int, bizId: String, outId: String) -> String {
        "{\"phone_number\":\(JSONText.quote(phone)),\"send_time\":\"\(EmulatorTime.beijing(sentAt))\","
            + "\"report_time\":\"\(EmulatorTime.beijing(reportedAt))\",\"success\":\(delivered),"
            + "\"err_code\":\(JSONText.quote(errCode)),\"err_msg\":\(JSONText.quote(errMessage)),"
            + "\"sms_size\":\"\(smsSize)\",\"biz_id\":\(JSONText.quote(bizId)),\"out_id\":\(JSONText.quote(outId))}"
    }

    /// SmsUp (mainland): `dest_code, send_time, sequence_id (a number), phone_number, content`, plus
    /// `sign_name` when given.
    static func smsUpJSON(phone: String, content: String, destCode: String, sequenceId: Int64, sentAt: EpochMillis,
                          signName: String?) -> String {
        "{\"dest_code\":\(JSONText.quote(destCode)),\"send_time\":\"\(EmulatorTime.beijing(sentAt))\","
            + "\"sequence_id\":\(sequenceId),\"phone_number\":\(JSONText.quote(phone)),"
            + "\"content\":\(JSONText.quote(content))"
            + (signName.map { ",\"sign_name\":\(JSONText.quote($0))" } ?? "") + "}"
    }

    static func base64(_ json: String) -> String {
        Data(json.utf8).base64EncodedString()
    }

    /// Billed parts: 70 characters fit one SMS, longer texts are split into 67-character parts.
    static func smsSize(_ content: String) -> Int {
        let length = content.count
        return length <= 70 ? 1 : (length + 66) / 67
    }

    /// `count` plausible base64 bodies for a queue: receipts (mostly delivered, some failed, a few
    /// repeated, as Alibaba does deliver duplicates) or replies.
    static func generated(count: Int, smsUp: Bool, failureShare: Double, random: inout SeededGenerator,
                          now: EpochMillis) -> [String] {
        generatedJSON(count: count, smsUp: smsUp, failureShare: failureShare, random: &random, now: now).map(base64)
    }

    /// The same mix as ``generated(count:smsUp:failureShare:random:now:)`` as plain JSON texts, the
    /// form the HTTP push channel sends.
    static func generatedJSON(count: Int, smsUp: Bool, failureShare: Double, random: inout SeededGenerator,
                              now: EpochMillis) -> [String] {
        let replies = ["退订", "TD", "好的", "收到，谢谢", "STOP", "1"]
        var bodies: [String] = []
        bodies.reserveCapacity(count)
        var previous: String?
        for index in 0..<count {
            if let last = previous, random.chance(0.01) {
                bodies.append(last)  // a duplicate receipt
                continue
            }
            let phone = "138" + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &random))
            let sentAt = now - EpochMillis.random(in: 5_000...600_000, using: &random)
            let json: String
            if smsUp {
                json = smsUpJSON(phone: phone, content: replies[index % replies.count], destCode: "1234",
                                 sequenceId: Int64(index) + 1_000_000_000, sentAt: sentAt, signName: nil)
            } else {
                let failed = random.chance(failureShare)
                json = smsReportJSON(phone: phone, sentAt: sentAt, reportedAt: sentAt + 4_000, delivered: !failed,
                                     errCode: failed ? "MK:0001" : "DELIVERED", errMessage: failed ? "MK:0001" : "用户接收成功",
                                     smsSize: 1, bizId: "\(800_000_000_000_000_000 + index)^0", outId: "seed-\(index)")
            }
            bodies.append(json)
            previous = json
        }
        return bodies
    }
}

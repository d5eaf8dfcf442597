import Foundation
import SMSLedgerCore

/// Generated items for the push channel: the mainland mix of ``AlicomBodies`` as plain JSON, plus
/// international receipts, which only ever arrive by push and have a shape of their own.
enum PushItems {
    /// `count` item texts for `kind`. `internationalShare` applies to receipts only (SmsUp has no
    /// international form).
    static func generated(kind: MessageKind, count: Int, failureShare: Double, internationalShare: Double,
                          random: inout SeededGenerator, now: EpochMillis) -> [String] {
        let mainland = AlicomBodies.generatedJSON(count: count, smsUp: kind == .smsUp, failureShare: failureShare,
                                                  random: &random, now: now)
        guard kind == .smsReport, internationalShare > 0 else { return mainland }
        return mainland.enumerated().map { index, text in
            guard random.chance(internationalShare) else { return text }
            return internationalReceiptJSON(index: index, failed: random.chance(failureShare), random: &random, now: now)
        }
    }

    /// An international receipt: `To, Status, MessageId, SmsSize, TaskId, SendDate, ReceiveDate,
    /// ErrorCode, ErrorDescription`, with `Status` "1" (sent) or "2" (failed) and RFC 2822 dates in +0800.
    static func internationalReceiptJSON(index: Int, failed: Bool, random: inout SeededGenerator,
                                         now: EpochMillis) -> String {
        let countries = ["65", "852", "1", "44", "81", "60"]
        let to = countries[index % countries.count] + String(Int.random(in: 10_000_000..<100_000_000, using: &random))
        let sentAt = now - EpochMillis.random(in: 5_000...600_000, using: &random)
        let messageId = String(1_000_000_000_000 + Int64(index))
        return "{\"To\":\(JSONText.quote(to)),\"Status\":\"\(failed ? 2 : 1)\",\"MessageId\":\"\(messageId)\","
            + "\"SmsSize\":\"1\",\"TaskId\":\"\(100_000 + index)\","
            + "\"SendDate\":\"\(EmulatorTime.rfc2822Beijing(sentAt))\","
            + "\"ReceiveDate\":\"\(EmulatorTime.rfc2822Beijing(sentAt + 3_000))\","
            + "\"ErrorCode\":\(JSONText.quote(failed ? "UNDELIV" : "DELIVRD")),"
            + "\"ErrorDescription\":\(JSONText.quote(failed ? "undelivered" : "success"))}"
    }
}

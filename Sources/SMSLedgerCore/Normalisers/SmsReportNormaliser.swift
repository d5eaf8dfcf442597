import Foundation

/// Alibaba SmsReport (a delivery receipt from the MNS queue) → ``DeliveryReceipt``.
///
/// Two dialects share the queue type, told apart by their keys:
///
/// | | mainland | international |
/// |---|---|---|
/// | send id | `biz_id` | `MessageId` |
/// | phone | `phone_number` | `To` |
/// | status | `success` (boolean) | `Status` "1" delivered, "2" failed, "6" expired |
/// | code / text | `err_code` / `err_msg` | `ErrorCode` / `ErrorDescription` |
/// | times | `send_time`, `report_time`: `yyyy-MM-dd HH:mm:ss` UTC+8 | `SendDate`, `ReceiveDate`: RFC 2822 |
/// | parts | `sms_size` (text) | `SmsSize` |
///
/// Alibaba's statuses carry no "temporary" flag, so `retryable` stays `nil`.
public enum SmsReportNormaliser {
    /// The receipt in an MNS `MessageBody` (base64 of UTF-8 JSON); see ``MNSMessageBody`` for the decoding.
    public static func normalise(messageBody: String) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        let json = try MNSMessageBody.decode(messageBody)
        let receipt = try normalise(json: json.value)
        return Normalised(receipt.value, warnings: json.warnings + receipt.warnings)
    }

    /// The receipt in already-decoded JSON bytes (the MNS body after base64, or the HTTP-push form).
    /// ``DeliveryReceipt/rawBody`` is these bytes; `source` says which channel brought them.
    public static func normalise(json: Data,
                                 source: EventSource = .smsReport) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        try normalise(fields: try JSONFields.parse(json), rawBody: json, source: source)
    }

    /// The receipt in parsed fields whose bytes are `rawBody`.
    static func normalise(fields: JSONFields, rawBody: Data,
                          source: EventSource) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        switch schema(of: fields) {
        case .mainland: return Normalised(try mainland(fields, rawBody: rawBody, source: source))
        case .international: return try international(fields, rawBody: rawBody, source: source)
        case nil: throw NormalisationError(.unknownSchema, detail: "keys: \(fields.keys.sorted().prefix(12))")
        }
    }

    enum Schema { case mainland, international }

    /// Mainland keys are snake_case, international keys are PascalCase; one distinctive key decides.
    static func schema(of fields: JSONFields) -> Schema? {
        if ["biz_id", "success", "report_time", "err_code"].contains(where: fields.containsKey) { return .mainland }
        if ["MessageId", "Status", "ReceiveDate", "To"].contains(where: fields.containsKey) { return .international }
        return nil
    }

    private static func mainland(_ fields: JSONFields, rawBody: Data,
                                 source: EventSource) throws(NormalisationError) -> DeliveryReceipt {
        let bizId = try fields.requiredString("biz_id")
        let phone = try fields.requiredString("phone_number")
        let success = try fields.requiredBool("success")
        let reportedAt = try fields.requiredTime("report_time", BeijingTime.date(from:))
        let sentAt = try fields.time("send_time", BeijingTime.date(from:))
        // `err_code` is "DELIVERED" on success; kept verbatim either way, empty if a body leaves it out.
        let code = try fields.string("err_code") ?? ""
        return DeliveryReceipt(
            provider: .alibaba, source: source, bizId: bizId, outId: try fields.string("out_id"),
            phoneNumber: phone,
            status: success ? .delivered : DeliveryStatus(state: .failed, isFinal: true),
            providerCode: code, providerText: try fields.string("err_msg"),
            sentAt: sentAt, reportedAt: reportedAt, smsSize: try fields.integer("sms_size"), rawBody: rawBody)
    }

    private static func international(_ fields: JSONFields, rawBody: Data,
                                      source: EventSource) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        let bizId = try fields.requiredIdentifier("MessageId")
        let phone = try fields.requiredIdentifier("To")
        let statusCode = try fields.requiredIdentifier("Status")
        let status = internationalStatus[statusCode]
        let errorCode = try fields.string("ErrorCode")
        let receipt = DeliveryReceipt(
            provider: .alibaba, source: source, bizId: bizId, outId: nil, phoneNumber: phone,
            status: status ?? DeliveryStatus(state: .unknown, isFinal: false),
            // The international body has no carrier code on success; the Status digit is the code then.
            providerCode: errorCode.flatMap { $0.isEmpty ? nil : $0 } ?? statusCode,
            providerText: try fields.string("ErrorDescription"),
            sentAt: try fields.time("SendDate", InternetDate.rfc2822),
            reportedAt: try fields.time("ReceiveDate", InternetDate.rfc2822),
            smsSize: try fields.integer("SmsSize"), rawBody: rawBody)
        let warnings: [NormalisationWarning] = status == nil
            ? [.unknownStatusCode(provider: .alibaba, code: statusCode)] : []
        return Normalised(receipt, warnings: warnings)
    }

    /// International `Status` values. Anything else is `unknown`, non-final, with a warning.
    static let internationalStatus: [String: DeliveryStatus] = [
        "1": .delivered,
        "2": DeliveryStatus(state: .failed, isFinal: true),
        "6": DeliveryStatus(state: .expired, isFinal: true),
    ]
}

import Foundation

/// Alibaba SmsUp (a reply from a phone, from the MNS queue) → ``InboundMessage``.
///
/// Fields: `phone_number`, `content`, `send_time` (`yyyy-MM-dd HH:mm:ss`, UTC+8), `dest_code`,
/// `sequence_id` and optionally `sign_name`. The MNS doc types `sequence_id` as a number (a Double, even)
/// while the HTTP-push doc shows a string; both are accepted and kept as text, with integral numbers
/// rendered without a fraction so the dedupe key is the same whichever way it came.
///
/// A reply cannot be fetched again later, so this normaliser is deliberately tolerant of types (numbers
/// for identifiers) while staying strict about what identifies the reply.
public enum SmsUpNormaliser {
    /// The reply in an MNS `MessageBody` (base64 of UTF-8 JSON).
    public static func normalise(messageBody: String) throws(NormalisationError) -> Normalised<InboundMessage> {
        let json = try MNSMessageBody.decode(messageBody)
        return Normalised(try normalise(json: json.value), warnings: json.warnings)
    }

    /// The reply in already-decoded JSON bytes; ``InboundMessage/rawBody`` is these bytes.
    public static func normalise(json: Data) throws(NormalisationError) -> InboundMessage {
        try normalise(fields: try JSONFields.parse(json), rawBody: json)
    }

    /// The reply in parsed fields whose bytes are `rawBody`.
    static func normalise(fields: JSONFields, rawBody json: Data) throws(NormalisationError) -> InboundMessage {
        InboundMessage(
            phoneNumber: try fields.requiredIdentifier("phone_number"),
            // An empty reply is still a reply (and still costs the subscriber); keep it.
            content: try fields.requiredString("content", allowEmpty: true),
            sentAt: try fields.requiredTime("send_time", BeijingTime.date(from:)),
            destCode: try fields.requiredIdentifier("dest_code"),
            sequenceId: try fields.requiredIdentifier("sequence_id"),
            signName: try fields.string("sign_name"),
            rawBody: json)
    }
}

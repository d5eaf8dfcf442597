import Foundation
import Parsers
import SMSLedgerCore

/// Why a send could not be recorded: the field at fault and what is wrong with it.
///
/// Always the caller's input, so retrying the same request cannot help. `field` is a path the caller
/// can find in what they sent: `phone_number`, `sends[3].phone_number`, or `line 12: phone_number` in
/// a `track --file` import.
public struct SendRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is; empty when it is the whole body (not JSON, empty batch).
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var isRetryable: Bool { false }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    /// The same error with `prefix` in front of its field (`sends[3]` + `phone_number`).
    func nested(under prefix: String) -> SendRecordError {
        SendRecordError(field: field.isEmpty ? prefix : "\(prefix).\(field)", message: message)
    }
}

/// Turns the JSON that `POST /v1/sends` and `smsledger track` accept into ``SendRecord``s.
///
/// One object describes one send:
///
/// | field           | required            | meaning                                                    |
/// |-----------------|---------------------|------------------------------------------------------------|
/// | `provider`      | no (`alibaba`)      | `alibaba` or `telesign`                                    |
/// | `biz_id`        | yes                 | the provider's id of the send (`BizId`, `reference_id`)    |
/// | `phone_number`  | for `alibaba`       | QuerySendDetails cannot ask without it                     |
/// | `out_id`        | no                  | the sender's own id (`OutId`, `external_id`)               |
/// | `sent_at`       | no (now)            | RFC 3339, or Beijing `yyyy-MM-dd HH:mm:ss` as Alibaba writes it |
/// | `template_code` | no                  |                                                            |
/// | `sign_name`     | no                  |                                                            |
///
/// Unknown fields are refused rather than ignored: `outId` for `out_id` would otherwise be dropped
/// silently and the send could never be matched by its own id. Every item of a batch is checked
/// before anything is stored, so one bad item means nothing is written.
public enum SendRecordDecoding {
    static let knownFields: Set<String> = [
        "provider", "biz_id", "phone_number", "out_id", "sent_at", "template_code", "sign_name",
    ]
    /// Longest identifier accepted; real ones are under 64 characters.
    static let maxIdentifierLength = 256

    /// A `POST /v1/sends` body: one object, an array of objects, or `{"sends": [...]}`. Items of a
    /// batch are named `sends[i]` in errors; the fields of a lone object are named directly.
    public static func requestBody(_ body: Data, now: Date) throws(SendRecordError) -> [SendRecord] {
        let json: JSONValue
        do throws(JSONValue.ParseError) {
            json = try JSONValue.parse(body)
        } catch {
            throw SendRecordError(field: "", message: "body is not valid JSON")
        }
        if let object = json.objectValue, object["sends"] != nil {
            guard object.keys.count == 1 else {
                throw SendRecordError(field: "", message: "an object with \"sends\" may have no other fields")
            }
            guard let items = object["sends"]?.arrayValue else {
                throw SendRecordError(field: "sends", message: "must be an array of sends")
            }
            return try batch(items, now: now)
        }
        if let items = json.arrayValue { return try batch(items, now: now) }
        return [try record(json, now: now)]
    }

    private static func batch(_ items: [JSONValue], now: Date) throws(SendRecordError) -> [SendRecord] {
        guard !items.isEmpty else { throw SendRecordError(field: "sends", message: "holds no sends") }
        var records: [SendRecord] = []
        records.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                records.append(try record(item, now: now))
            } catch {
                throw error.nested(under: "sends[\(index)]")
            }
        }
        return records
    }

    /// One send from one JSON value (an object), fields named without a prefix.
    public static func record(_ json: JSONValue, now: Date) throws(SendRecordError) -> SendRecord {
        guard let object = json.objectValue else {
            throw SendRecordError(field: "", message: "a send must be a JSON object")
        }
        if let unknown = object.keys.filter({ !knownFields.contains($0) }).sorted().first {
            throw SendRecordError(field: unknown, message: "is not a field of a send (known: \(knownFields.sorted().joined(separator: ", ")))")
        }
        let providerName = try text(object, "provider") ?? Provider.alibaba.rawValue
        guard let provider = Provider(rawValue: providerName) else {
            throw SendRecordError(field: "provider", message: "must be \"alibaba\" or \"telesign\", got \"\(providerName.prefix(32))\"")
        }
        guard let bizId = try text(object, "biz_id") else {
            throw SendRecordError(field: "biz_id", message: "is required")
        }
        let phone = try text(object, "phone_number")
        if let phone {
            guard isPhoneNumber(phone) else {
                throw SendRecordError(field: "phone_number", message: "must be 5 to 20 digits, optionally after a '+'")
            }
        } else if provider == .alibaba {
            throw SendRecordError(field: "phone_number", message: "is required for alibaba sends (QuerySendDetails needs it)")
        }
        var sentAt = now
        if let sentText = try text(object, "sent_at") {
            guard let parsed = parseTime(sentText) else {
                throw SendRecordError(field: "sent_at", message:
                    "must be RFC 3339 (2026-11-23T08:00:00Z) or Beijing time (2026-11-23 16:00:00), got \"\(sentText.prefix(40))\"")
            }
            sentAt = parsed
        }
        return SendRecord(provider: provider, bizId: bizId, phoneNumber: phone, outId: try text(object, "out_id"),
                          sentAt: sentAt, templateCode: try text(object, "template_code"),
                          signName: try text(object, "sign_name"))
    }

    /// RFC 3339 with a zone, or Alibaba's zone-less Beijing wall time.
    public static func parseTime(_ text: String) -> Date? {
        InternetDate.iso8601(text) ?? BeijingTime.date(from: text)
    }

    /// Digits only (5...20), after an optional `+`; the forms Alibaba and TeleSign accept.
    static func isPhoneNumber(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return (5...20).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A string field: absent or `null` is `nil`; an empty string is refused (it would be stored as
    /// "no value" and hide a bug on the caller's side); other types are refused.
    private static func text(_ object: JSONObject, _ field: String) throws(SendRecordError) -> String? {
        guard let value = object[field], !value.isNull else { return nil }
        guard let string = value.stringValue else {
            throw SendRecordError(field: field, message: "must be a string")
        }
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SendRecordError(field: field, message: "must not be empty") }
        guard trimmed.count <= maxIdentifierLength else {
            throw SendRecordError(field: field, message: "is longer than \(maxIdentifierLength) characters")
        }
        return trimmed
    }
}

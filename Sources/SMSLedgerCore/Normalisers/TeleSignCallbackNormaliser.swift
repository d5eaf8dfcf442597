import Foundation

/// A TeleSign-style HTTP status callback → ``DeliveryReceipt`` (provider ``Provider/telesign``, source
/// ``EventSource/httpCallback``).
///
/// ```json
/// {"reference_id": "65CA48A0752012689190921055936659",
///  "external_id": "5122f7d8a93f11ea8b6700163e02db87",
///  "status": {"updated_on": "2020-06-08T04:20:09.873298Z", "code": 200,
///             "description": "Delivered to handset"}}
/// ```
/// `status.code` may be a number or numeric text. The timestamp key is `updated_on` in TeleSign's docs
/// and `updated on` in the seed we were given; both are read. The signature over the raw body is checked
/// by the HTTP layer *before* this runs; this only interprets bytes already trusted.
public enum TeleSignCallbackNormaliser {
    /// The receipt in a callback body. The result carries an ``NormalisationWarning/unknownStatusCode(provider:code:)``
    /// warning when the code is not in ``TeleSignStatusCode/table``.
    public static func normalise(body: Data) throws(NormalisationError) -> Normalised<DeliveryReceipt> {
        let fields = try JSONFields.parse(body)
        let referenceId = try fields.requiredIdentifier("reference_id")
        guard let status = try fields.object("status") else {
            throw NormalisationError(.missingField("status"))
        }
        let code = try status.requiredInteger("code")
        let known = TeleSignStatusCode.status(for: code)
        let updatedKey = status.has("updated_on") ? "updated_on" : "updated on"
        let receipt = DeliveryReceipt(
            provider: .telesign, source: .httpCallback, bizId: referenceId,
            outId: try fields.identifier("external_id"), phoneNumber: nil, status: known.status,
            providerCode: String(code),
            providerText: try status.string("description") ?? known.text,
            sentAt: nil, reportedAt: try status.time(updatedKey, InternetDate.iso8601), rawBody: body)
        let warnings: [NormalisationWarning] = known.isKnown
            ? [] : [.unknownStatusCode(provider: .telesign, code: String(code))]
        return Normalised(receipt, warnings: warnings)
    }

    /// As ``normalise(body:)``, but never throws: a body that cannot be read becomes a quarantine entry
    /// holding the body as received, so the listener can commit it and answer 2xx like any other.
    public static func event(body: Data, context: String? = nil) -> Normalised<LedgerEvent> {
        do {
            return try normalise(body: body).map(LedgerEvent.receipt)
        } catch {
            return Normalised(.quarantine(QuarantineEntry(source: .httpCallback, rawBody: body,
                                                          reason: error.reason, context: context)))
        }
    }
}

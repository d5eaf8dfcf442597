import Foundation

/// The two Alicom queues a daemon reads. The raw values are the names `QueryTokenForMnsQueue` takes as
/// `MessageType` and that appear in the queue name `Alicom-Queue-<uid>-<MessageType>`.
public enum MessageKind: String, Sendable, Hashable, CaseIterable, Codable {
    case smsReport = "SmsReport"
    case smsUp = "SmsUp"

    /// How events from this queue are labelled in the ledger.
    public var eventSource: EventSource {
        switch self {
        case .smsReport: return .smsReport
        case .smsUp: return .smsUp
        }
    }

    /// How events of this kind are labelled when Alibaba pushes them over HTTP instead.
    public var pushEventSource: EventSource {
        switch self {
        case .smsReport: return .smsReportPush
        case .smsUp: return .smsUpPush
        }
    }
}

/// The JSON inside an MNS `MessageBody`.
///
/// Every official demo base64-decodes the body (protocol reference §c.5), so that is what we do, strictly:
/// no line breaks or stray characters inside, correct padding. Outer whitespace is trimmed because XML
/// pretty-printers add it and it can never be part of base64.
///
/// Fallback: if the text is not base64 (or decodes to something that is not JSON) but starts with `{`,
/// it is taken as raw JSON and the result says so, so the caller can log a warning. JSON can never be
/// valid base64 (`{` is outside the alphabet), so the fallback cannot shadow a real base64 body.
public enum MNSMessageBody {
    /// The JSON bytes of `body`, and whether the raw-JSON fallback was used.
    public static func decode(_ body: String) throws(NormalisationError) -> Normalised<Data> {
        let raw = Data(body.utf8)
        guard raw.count <= NormalisationError.bodyLimit else {
            throw NormalisationError(.bodyTooLarge(bytes: raw.count, limit: NormalisationError.bodyLimit))
        }
        let trimmed = Substring(body).trimmingASCIIWhitespace()
        let decoded = Data(base64Encoded: String(trimmed))
        if let decoded, looksLikeJSON(decoded) {
            return Normalised(decoded)
        }
        if trimmed.hasPrefix("{") {
            return Normalised(Data(trimmed.utf8), warnings: [.rawJSONBody])
        }
        // Base64, but not of JSON: let the JSON stage name the real problem (UTF-8 or syntax).
        guard let decoded else { throw NormalisationError(.badBase64) }
        return Normalised(decoded)
    }

    /// A cheap pre-check that decides between the base64 result and the raw-JSON fallback; the JSON
    /// stage still validates properly.
    private static func looksLikeJSON(_ data: Data) -> Bool {
        let unmarked = data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data[...]
        let first = unmarked.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
        return first == UInt8(ascii: "{")
    }
}

/// The single entry point for MNS queue bodies: text in, ledger event out, never an error.
///
/// A body that fails to normalise becomes ``LedgerEvent/quarantine(_:)`` carrying the body exactly as it
/// was received (the base64 text, not our decoding of it), so nothing is lost and the consume cycle can
/// commit and delete it like any other message instead of letting MNS redeliver it forever.
public enum MNSBodyNormaliser {
    /// The event for one `MessageBody` from the queue of `queueKind`.
    public static func normalise(body: String, queueKind: MessageKind, context: String? = nil) -> LedgerEvent {
        normaliseWithWarnings(body: body, queueKind: queueKind, context: context).value
    }

    /// As ``normalise(body:queueKind:context:)``, plus the warnings to log (raw-JSON fallback, unknown
    /// international status).
    public static func normaliseWithWarnings(body: String, queueKind: MessageKind,
                                             context: String? = nil) -> Normalised<LedgerEvent> {
        do {
            switch queueKind {
            case .smsReport:
                return try SmsReportNormaliser.normalise(messageBody: body).map(LedgerEvent.receipt)
            case .smsUp:
                return try SmsUpNormaliser.normalise(messageBody: body).map(LedgerEvent.inbound)
            }
        } catch {
            let entry = QuarantineEntry(source: queueKind.eventSource, rawBody: Data(body.utf8),
                                        reason: error.reason, context: context)
            return Normalised(.quarantine(entry))
        }
    }
}

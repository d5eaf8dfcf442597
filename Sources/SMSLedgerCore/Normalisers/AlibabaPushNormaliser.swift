import Foundation
import Parsers

/// A body Alibaba pushed over HTTP ("HTTP批量推送"): one JSON array of SmsReport or SmsUp items → one
/// ledger event per item.
///
/// The items are the same JSON objects the MNS queues carry (mainland and international receipts
/// are told apart per item, as on the queue), so the same normalisers read them and the same news
/// gets the same dedupe key whichever channel brought it.
///
/// **Failure is local to an item.** Alibaba pushes an array again until it is answered with code 0,
/// so refusing a whole array because of one unreadable item would make the platform repeat it until
/// its retries run out and lose the good items with the bad. An item that does not normalise
/// becomes a quarantine entry holding that item's own bytes, exactly as sent, and its neighbours
/// are stored. Only a body that is not a JSON array at all is quarantined whole.
public enum AlibabaPushNormaliser {
    public enum Outcome: Sendable, Hashable {
        /// One event per item, in array order, and the warnings to log (unknown status codes).
        case items([LedgerEvent], warnings: [NormalisationWarning])
        /// Not UTF-8, not JSON, or JSON but not an array: the whole body, kept for the operator.
        case notAnArray(QuarantineEntry)
    }

    /// The events in `body`, pushed for message type `kind`.
    /// - Parameter context: for the operator, e.g. the peer's address; item entries add their position.
    public static func normalise(body: Data, kind: MessageKind, context: String? = nil) -> Outcome {
        let source = kind.pushEventSource
        let elements: [(value: JSONValue, bytes: Range<Int>)]
        do throws(JSONValue.ParseError) {
            guard let parsed = try JSONValue.topLevelArrayElements(body) else {
                return .notAnArray(QuarantineEntry(source: source, rawBody: body,
                                                   reason: "pushed body is JSON but not an array", context: context))
            }
            elements = parsed
        } catch .invalidUTF8 {
            return .notAnArray(QuarantineEntry(source: source, rawBody: body,
                                               reason: NormalisationError(.invalidUTF8).reason, context: context))
        } catch {
            return .notAnArray(QuarantineEntry(source: source, rawBody: body,
                                               reason: NormalisationError(.badJSON, detail: error.description).reason,
                                               context: context))
        }
        var events: [LedgerEvent] = []
        var warnings: [NormalisationWarning] = []
        events.reserveCapacity(elements.count)
        let base = body.startIndex
        for (position, element) in elements.enumerated() {
            let raw = body.subdata(in: (base + element.bytes.lowerBound)..<(base + element.bytes.upperBound))
            do throws(NormalisationError) {
                guard case .object(let object) = element.value else { throw NormalisationError(.notAnObject) }
                let fields = JSONFields(object: object)
                switch kind {
                case .smsReport:
                    let receipt = try SmsReportNormaliser.normalise(fields: fields, rawBody: raw, source: source)
                    warnings += receipt.warnings
                    events.append(.receipt(receipt.value))
                case .smsUp:
                    events.append(.inbound(try SmsUpNormaliser.normalise(fields: fields, rawBody: raw)))
                }
            } catch {
                let place = "item \(position + 1) of \(elements.count)"
                events.append(.quarantine(QuarantineEntry(
                    source: source, rawBody: raw, reason: error.reason,
                    context: context.map { "\($0), \(place)" } ?? place)))
            }
        }
        return .items(events, warnings: warnings)
    }
}

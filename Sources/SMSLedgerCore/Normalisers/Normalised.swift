/// Something the normaliser accepted but the operator should hear about.
///
/// Warnings never stop a body from reaching the ledger: they mark the places where we were lenient, so a
/// change on the provider's side shows up in the journal before it shows up as wrong data.
public enum NormalisationWarning: Sendable, Hashable, CustomStringConvertible {
    /// The MNS `MessageBody` was raw JSON instead of base64. No such body has ever been observed; if one
    /// appears, the queue or a proxy changed something.
    case rawJSONBody
    /// A status code outside the table we know. Stored as `unknown`, non-final, with the code kept, so a
    /// later report can still settle the send. Log it once per code, not once per message.
    case unknownStatusCode(provider: Provider, code: String)

    public var description: String {
        switch self {
        case .rawJSONBody:
            return "message body was raw JSON, not base64; accepted as JSON"
        case .unknownStatusCode(let provider, let code):
            return "unknown \(provider.rawValue) status code '\(code)'; stored as unknown, not final"
        }
    }
}

/// A normaliser's result plus the warnings to log about it.
public struct Normalised<Value: Sendable>: Sendable {
    public var value: Value
    public var warnings: [NormalisationWarning]

    public init(_ value: Value, warnings: [NormalisationWarning] = []) {
        self.value = value
        self.warnings = warnings
    }

    /// The body was accepted through the raw-JSON fallback rather than base64.
    public var usedRawJSONFallback: Bool { warnings.contains(.rawJSONBody) }

    /// The provider's status code when it was not one we know, else `nil`.
    public var unknownStatusCode: String? {
        for case .unknownStatusCode(_, let code) in warnings { return code }
        return nil
    }

    /// The same warnings around a different value (e.g. a receipt wrapped into a ``LedgerEvent``).
    public func map<Other: Sendable>(_ transform: (Value) -> Other) -> Normalised<Other> {
        Normalised<Other>(transform(value), warnings: warnings)
    }
}

extension Normalised: Equatable where Value: Equatable {}
extension Normalised: Hashable where Value: Hashable {}

import Foundation

/// `[alibaba_push]`: receiving SmsReport and SmsUp when the SMS console is set to push them over
/// HTTP ("HTTP批量推送") instead of into the MNS queues.
///
/// Alibaba signs nothing it pushes, so the URL itself is the secret: the paths carry ``token``, an
/// unguessable value the operator enters in the console, and a request for any other path is an
/// ordinary 404. ``allowFrom`` narrows it further to the platform's addresses when they are known.
public struct AlibabaPushSettings: Sendable, Equatable {
    public var enabled = false
    /// Part of both paths; required when ``enabled`` (the loader enforces it).
    public var token: Secret?
    /// The paths are `<pathPrefix>/<token>/SmsReport` and `<pathPrefix>/<token>/SmsUp`.
    public var pathPrefix = "/alibaba/push"
    /// Peers allowed to push; empty allows every peer (the token still has to match). Behind a
    /// reverse proxy the peer is the proxy, so filter by source there instead.
    public var allowFrom: [SourceNetwork] = []
    /// Largest pushed body accepted. Items are a few hundred bytes; the console pushes arrays of
    /// hundreds, so this is far above a real push and still bounds what one request can cost.
    public var maxBodyBytes = 4 * 1_048_576

    /// Shortest token accepted: 16 characters from the URL-safe set is about 96 bits.
    public static let minimumTokenLength = 16

    public init() {}

    /// The path Alibaba pushes `messageType` (`SmsReport` / `SmsUp`) to, or `nil` while disabled.
    public func path(messageType: String) -> String? {
        guard enabled, let token else { return nil }
        return "\(pathPrefix)/\(token.reveal())/\(messageType)"
    }

    /// Whether a peer at `address` (no port) may push.
    public func allows(address: String?) -> Bool {
        guard !allowFrom.isEmpty else { return true }
        guard let address else { return false }
        return allowFrom.contains { $0.contains(address: address) }
    }

    /// Characters a token may use: RFC 3986 "unreserved", so it needs no escaping in a URL.
    static func isTokenCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-._~".contains(character))
    }
}

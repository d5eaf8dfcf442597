/// Pure functions that turn what a service answered into an ``AlibabaError`` kind.
///
/// Kept apart from the clients so every rule is visible in one place and testable with canned
/// answers. Sources: `alibaba-sms-protocol.md` §c.4 (MNS codes) and §e (RPC gateway and Dysms codes).
public enum ErrorClassification {
    /// MNS codes that need a person. `TimeExpired` is here because the cure is fixing the host clock.
    static let mnsConfigurationCodes: Set<String> = [
        "QueueNotExist", "AccessDeniedByRamPolicy", "SignatureDoesNotMatch", "InvalidArgument",
        "MalformedXML", "MissingReceiptHandle", "MissingVisibilityTimeout", "InvalidQueryString",
        "InvalidDigest", "InvalidDegist", "MissingVersionHeader", "TimeExpired", "InvalidQueueName",
        "QueueDeletedRecently", "MessageBodyTooLong",
    ]

    /// MNS codes that mean "these temporary credentials are no good": refresh the token.
    static let mnsAuthenticationCodes: Set<String> = ["InvalidAccessKeyId", "AccessDenied"]

    /// Classifies an MNS error answer (`<Error><Code>…`). `code` is nil when the body could not be read.
    public static func mnsKind(httpStatus: Int, code: String?) -> AlibabaError.Kind {
        if let code {
            if code == "MessageNotExist" { return .transient }
            if code == "ReceiptHandleError" { return .business }
            if isThrottling(code) { return .transient }
            if mnsConfigurationCodes.contains(code) { return .configuration }
            if mnsAuthenticationCodes.contains(code) || code.localizedCaseInsensitiveContains("token") {
                return .authentication
            }
            if code.hasPrefix("Internal") || code == "ServiceUnavailable" { return .transient }
        }
        switch httpStatus {
        case 401, 403: return .authentication
        case 408, 429, 500...599: return .transient
        case 400...499: return code == nil ? .malformedResponse : .configuration
        default: return code == nil ? .malformedResponse : .transient
        }
    }

    /// RPC gateway codes (non-2xx answers from Dybaseapi / Dysmsapi) that need a person.
    /// `InvalidAccessKeyId.NotFound` here is about the *long-term* key from the config file.
    static let rpcConfigurationPrefixes = [
        "SignatureDoesNotMatch", "InvalidAccessKeyId", "IncompleteSignature", "Forbidden",
        "MissingParameter", "InvalidParameter", "InvalidTimeStamp", "UnsupportedSignatureMethod",
        "InvalidAction", "InvalidVersion", "isp.RAM_PERMISSION_DENY", "NoPermission",
    ]

    /// Classifies a non-2xx RPC answer (`{"Code","Message","RequestId"}`); `code` nil when unreadable.
    public static func rpcGatewayKind(httpStatus: Int, code: String?) -> AlibabaError.Kind {
        if let code {
            if isThrottling(code) { return .transient }
            // A replayed nonce only means "send again with a new one".
            if code == "SignatureNonceUsed" { return .transient }
            if rpcConfigurationPrefixes.contains(where: { code.hasPrefix($0) }) { return .configuration }
            if code.hasPrefix("InternalError") || code == "ServiceUnavailable" { return .transient }
        }
        switch httpStatus {
        case 408, 429, 500...599: return .transient
        case 400...499: return code == nil ? .malformedResponse : .configuration
        default: return code == nil ? .malformedResponse : .transient
        }
    }

    /// Classifies an HTTP 200 RPC answer whose `Code` is not `OK`.
    public static func rpcBusinessKind(code: String) -> AlibabaError.Kind {
        // A permission problem dressed as a business answer still needs a person.
        if code == "isp.RAM_PERMISSION_DENY" || code.hasPrefix("isv.ACCOUNT") { return .configuration }
        if isThrottling(code) { return .transient }
        return .business
    }

    /// `Throttling`, `Throttling.User`, `Throttling.Api`, MNS `QpsLimitExceeded`.
    static func isThrottling(_ code: String) -> Bool {
        code.hasPrefix("Throttling") || code == "QpsLimitExceeded" || code == "TooManyRequests"
    }
}

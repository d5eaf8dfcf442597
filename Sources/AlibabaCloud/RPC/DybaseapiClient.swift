import Foundation
import Parsers
import SMSLedgerCore

/// Dybaseapi (2017-05-25): the one call the daemon needs, `QueryTokenForMnsQueue`, which hands out
/// temporary credentials for the Alicom-owned MNS queue that carries our receipts.
public struct DybaseapiClient: QueueTokenFetching {
    /// Mainland endpoint (every region); international accounts use `dybaseapi.ap-southeast-1.aliyuncs.com`.
    public static let defaultEndpoint = "https://dybaseapi.aliyuncs.com"

    public let rpc: RPCClient

    public init(rpc: RPCClient) {
        self.rpc = rpc
    }

    /// `QueryTokenForMnsQueue(MessageType, QueueName)` → the `MessageTokenDTO` as a ``QueueToken``.
    ///
    /// `ExpireTime` is Beijing wall time with no zone marker; it is read as UTC+8 whatever the host's
    /// zone (the Python/PHP/C# demos get this wrong on hosts outside UTC+8).
    public func queryTokenForMnsQueue(messageType: AlicomMessageType, queueName: String?) async throws -> QueueToken {
        var parameters = ["MessageType": messageType.rawValue]
        if let queueName, !queueName.isEmpty { parameters["QueueName"] = queueName }
        let answer = try await rpc.call(action: "QueryTokenForMnsQueue", parameters: parameters)
        return try Self.token(from: answer, messageType: messageType)
    }

    /// Reads `MessageTokenDTO` from a successful answer. Pure.
    public static func token(from answer: RPCAnswer, messageType: AlicomMessageType) throws -> QueueToken {
        let object = try answer.object()
        func missing(_ field: String) -> AlibabaError {
            AlibabaError.malformed("QueryTokenForMnsQueue answer lacks \(field)", requestId: answer.requestId)
        }
        guard let dto = object["MessageTokenDTO"]?.objectValue else { throw missing("MessageTokenDTO") }
        func field(_ name: String) throws -> String {
            guard let value = dto[name]?.stringValue, !value.isEmpty else { throw missing(name) }
            return value
        }
        let expireText = try field("ExpireTime")
        guard let expiresAt = BeijingTime.date(from: expireText) else {
            throw AlibabaError.malformed("ExpireTime \(expireText) is not yyyy-MM-dd HH:mm:ss",
                                         requestId: answer.requestId)
        }
        return QueueToken(
            messageType: messageType,
            accessKeyId: try field("AccessKeyId"),
            accessKeySecret: try field("AccessKeySecret"),
            securityToken: try field("SecurityToken"),
            expiresAt: expiresAt,
            createdAt: dto["CreateTime"]?.stringValue.flatMap(BeijingTime.date(from:)))
    }
}

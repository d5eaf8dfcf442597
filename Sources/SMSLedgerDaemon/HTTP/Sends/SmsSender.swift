import AlibabaCloud
import Foundation
import LedgerStore
import Parsers
import SMSLedgerConfig
import SMSLedgerCore

/// One SMS to send through Alibaba's `SendSms`.
public struct OutboundSms: Sendable, Hashable {
    /// One or more recipients; `SendSms` takes up to 1,000 and gives them one `BizId`.
    public var phoneNumbers: [String]
    public var signName: String
    public var templateCode: String
    /// The template variables as a JSON object text, e.g. `{"code":"1234"}`.
    public var templateParam: String?
    public var outId: String?

    public init(phoneNumbers: [String], signName: String, templateCode: String, templateParam: String? = nil,
                outId: String? = nil) {
        self.phoneNumbers = phoneNumbers
        self.signName = signName
        self.templateCode = templateCode
        self.templateParam = templateParam
        self.outId = outId
    }
}

/// A send that went out and is now tracked.
public struct SentSms: Sendable, Hashable {
    public var bizId: String
    public var sentAt: Date
    /// One per recipient, as committed.
    public var records: [SendRecord]
}

/// Why `smsledger send` failed, with the exit code that tells a script which kind it was.
public struct SmsSendError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Our own check refused the input before anything was sent (EX_USAGE, 64).
        case invalidInput
        /// Credentials or endpoint missing, or refused by Alibaba as a configuration problem (EX_CONFIG, 78).
        case configuration
        /// Alibaba refused or could not be reached (EX_UNAVAILABLE, 69). `code` holds its error code.
        case service
        /// The SMS WAS sent, but recording it failed (EX_IOERR, 74). `bizId` says what to `track` by hand.
        case notRecorded
    }

    public var kind: Kind
    public var message: String
    /// The service's error code, e.g. `isv.MOBILE_NUMBER_ILLEGAL`.
    public var code: String?
    public var bizId: String?
    /// Whether the same send may work later unchanged (throttling, a timeout, a busy store).
    public var isRetryable: Bool

    public var exitCode: Int32 {
        switch kind {
        case .invalidInput: 64
        case .configuration: 78
        case .service: 69
        case .notRecorded: 74
        }
    }

    public var description: String {
        switch kind {
        case .service: "SendSms failed: \(message)"
        case .notRecorded: "the SMS was sent (BizId \(bizId ?? "?")) but could not be recorded: \(message); "
            + "record it with `smsledger track --biz-id \(bizId ?? "…")`"
        default: message
        }
    }
}

/// Sends through `SendSms` and records every recipient in the ledger, so compensation can ask about
/// the send if its receipt never comes. The core of `smsledger send`, kept here so tests can drive it
/// against the emulator.
public struct SmsSender: Sendable {
    private let client: DysmsClient
    private let store: any LedgerStore
    private let firstCheckDelay: TimeInterval
    private let now: @Sendable () -> Date

    public init(client: DysmsClient, store: any LedgerStore, firstCheckDelay: TimeInterval,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.store = store
        self.firstCheckDelay = firstCheckDelay
        self.now = now
    }

    /// A sender for the account, endpoint and compensation schedule in `configuration`.
    public init(configuration: SMSLedgerConfiguration, transport: any HTTPTransport,
                store: any LedgerStore) throws(SmsSendError) {
        let alibaba = configuration.alibaba
        guard let keyId = alibaba.accessKeyID, let secret = alibaba.accessKeySecret else {
            throw SmsSendError(kind: .configuration, message: "alibaba.access_key_id and an access key secret are required to send",
                               isRetryable: false)
        }
        let rpc = RPCClient(endpoint: alibaba.dysmsapiEndpoint.absoluteString,
                            credentials: RPCCredentials(accessKeyId: keyId, accessKeySecret: secret.reveal()),
                            transport: transport, regionId: alibaba.regionID, timeout: alibaba.requestTimeout)
        let schedule = CheckSchedule(firstCheckAfter: configuration.compensation.firstCheckAfter,
                                     backoff: configuration.compensation.backoff)
        self.init(client: DysmsClient(rpc: rpc), store: store, firstCheckDelay: schedule.firstCheckDelay)
    }

    /// Sends `sms`, then commits one tracked send per recipient; returns after the commit is durable.
    public func send(_ sms: OutboundSms) async throws(SmsSendError) -> SentSms {
        try Self.validate(sms)
        let bizId: String
        do {
            bizId = try await client.sendSms(phoneNumbers: sms.phoneNumbers.joined(separator: ","), signName: sms.signName,
                                             templateCode: sms.templateCode, templateParam: sms.templateParam,
                                             outId: sms.outId)
        } catch let error as AlibabaError {
            let kind: SmsSendError.Kind = error.kind == .configuration ? .configuration : .service
            throw SmsSendError(kind: kind, message: error.description, code: error.code, isRetryable: error.isRetryable)
        } catch {
            throw SmsSendError(kind: .service, message: "\(error)", isRetryable: true)
        }
        let sentAt = now()
        let records = sms.phoneNumbers.map {
            SendRecord(provider: .alibaba, bizId: bizId, phoneNumber: $0, outId: sms.outId, sentAt: sentAt,
                       templateCode: sms.templateCode, signName: sms.signName)
        }
        do {
            _ = try await store.commit(LedgerBatch(sends: records, firstCheckDelay: firstCheckDelay))
        } catch {
            throw SmsSendError(kind: .notRecorded, message: "\(error)", bizId: bizId,
                               isRetryable: (error as? StoreError)?.isRetryable ?? false)
        }
        return SentSms(bizId: bizId, sentAt: sentAt, records: records)
    }

    /// Refuses what Alibaba would refuse anyway, before spending a request on it: no recipient, a
    /// malformed number, empty sign name or template, a template parameter that is not a JSON object.
    static func validate(_ sms: OutboundSms) throws(SmsSendError) {
        func invalid(_ message: String) -> SmsSendError {
            SmsSendError(kind: .invalidInput, message: message, isRetryable: false)
        }
        guard !sms.phoneNumbers.isEmpty else { throw invalid("--phone is required") }
        guard sms.phoneNumbers.count <= 1000 else { throw invalid("SendSms takes at most 1000 phone numbers") }
        if let bad = sms.phoneNumbers.first(where: { !SendRecordDecoding.isPhoneNumber($0) }) {
            throw invalid("'\(bad)' is not a phone number (5 to 20 digits, optionally after a '+')")
        }
        guard !sms.signName.isEmpty else { throw invalid("--sign-name must not be empty") }
        guard !sms.templateCode.isEmpty else { throw invalid("--template-code must not be empty") }
        if let parameters = sms.templateParam {
            guard (try? JSONValue.parse(parameters.utf8))?.objectValue != nil else {
                throw invalid("--template-param must be a JSON object such as '{\"code\":\"1234\"}'")
            }
        }
    }
}

import Foundation
import SMSLedgerCore

/// The HTTP batch push channel ("HTTP批量推送"): where and how the emulator POSTs SmsReport receipts
/// and SmsUp replies instead of (or besides) putting them into the MNS queues.
///
/// A customer picks push or queue per message type in the SMS console, so each type has its own URL;
/// a type without one keeps using its MNS queue. The timing knobs exist because the real platform's
/// retries are minutes apart: tests scale them down to milliseconds.
public struct PushSettings: Sendable, Codable, Hashable {
    /// Where SmsReport receipts are pushed; `nil` sends them to the MNS queue as before.
    public var smsReportURL: String?
    /// Where SmsUp replies are pushed; `nil` sends them to the MNS queue as before.
    public var smsUpURL: String?
    /// Most items in one POST.
    public var batchSize: Int
    /// How often due items are gathered into POSTs.
    public var flushIntervalMillis: Int
    /// POSTs in flight per message type.
    public var concurrency: Int
    /// How long the receiver has to answer before the POST counts as failed.
    public var timeoutMillis: Int
    /// Wait before a failed item is pushed again (the console retries minutes apart).
    public var retryDelayMillis: Int
    /// After this many failed pushes an item is abandoned, as Alibaba gives up.
    public var maxAttempts: Int
    /// Also put every receipt and reply into the MNS queue: a customer migrating runs both channels.
    public var alsoQueue: Bool
    /// Share (0-1) of accepted items pushed once more later: Alibaba's pushes are not idempotent.
    public var duplicateShare: Double

    public init(smsReportURL: String? = nil, smsUpURL: String? = nil, batchSize: Int = 100,
                flushIntervalMillis: Int = 100, concurrency: Int = 2, timeoutMillis: Int = 3000,
                retryDelayMillis: Int = 120_000, maxAttempts: Int = 3, alsoQueue: Bool = false,
                duplicateShare: Double = 0) {
        self.smsReportURL = smsReportURL
        self.smsUpURL = smsUpURL
        self.batchSize = batchSize
        self.flushIntervalMillis = flushIntervalMillis
        self.concurrency = concurrency
        self.timeoutMillis = timeoutMillis
        self.retryDelayMillis = retryDelayMillis
        self.maxAttempts = maxAttempts
        self.alsoQueue = alsoQueue
        self.duplicateShare = duplicateShare
    }

    /// Missing JSON keys take the defaults, so `{"smsReportURL":"http://..."}` is a complete admin request.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PushSettings()
        self.init(
            smsReportURL: try c.decodeIfPresent(String.self, forKey: .smsReportURL),
            smsUpURL: try c.decodeIfPresent(String.self, forKey: .smsUpURL),
            batchSize: try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize,
            flushIntervalMillis: try c.decodeIfPresent(Int.self, forKey: .flushIntervalMillis) ?? defaults.flushIntervalMillis,
            concurrency: try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? defaults.concurrency,
            timeoutMillis: try c.decodeIfPresent(Int.self, forKey: .timeoutMillis) ?? defaults.timeoutMillis,
            retryDelayMillis: try c.decodeIfPresent(Int.self, forKey: .retryDelayMillis) ?? defaults.retryDelayMillis,
            maxAttempts: try c.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts,
            alsoQueue: try c.decodeIfPresent(Bool.self, forKey: .alsoQueue) ?? defaults.alsoQueue,
            duplicateShare: try c.decodeIfPresent(Double.self, forKey: .duplicateShare) ?? defaults.duplicateShare)
    }

    /// Encodes absent URLs as `null` rather than leaving the keys out, so a GET shows every field.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(smsReportURL, forKey: .smsReportURL)
        try c.encode(smsUpURL, forKey: .smsUpURL)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(flushIntervalMillis, forKey: .flushIntervalMillis)
        try c.encode(concurrency, forKey: .concurrency)
        try c.encode(timeoutMillis, forKey: .timeoutMillis)
        try c.encode(retryDelayMillis, forKey: .retryDelayMillis)
        try c.encode(maxAttempts, forKey: .maxAttempts)
        try c.encode(alsoQueue, forKey: .alsoQueue)
        try c.encode(duplicateShare, forKey: .duplicateShare)
    }

    private enum CodingKeys: String, CodingKey {
        case smsReportURL, smsUpURL, batchSize, flushIntervalMillis, concurrency, timeoutMillis, retryDelayMillis
        case maxAttempts, alsoQueue, duplicateShare
    }

    /// The push URL of one message type.
    public func url(for kind: MessageKind) -> String? {
        kind == .smsReport ? smsReportURL : smsUpURL
    }

    /// Why these settings cannot be used, or `nil` when they can. A URL must be absolute http(s):
    /// anything else would only fail later, one POST at a time, far from the mistake.
    public var problem: String? {
        for (name, url) in [("smsReportURL", smsReportURL), ("smsUpURL", smsUpURL)] {
            if let url, !Self.isHTTPURL(url) { return "\(name) must be an http:// or https:// URL, not \(url)" }
        }
        if batchSize < 1 { return "batchSize must be at least 1" }
        if concurrency < 1 { return "concurrency must be at least 1" }
        if maxAttempts < 1 { return "maxAttempts must be at least 1" }
        if flushIntervalMillis < 1 { return "flushIntervalMillis must be at least 1" }
        if timeoutMillis < 1 { return "timeoutMillis must be at least 1" }
        if retryDelayMillis < 0 { return "retryDelayMillis must not be negative" }
        if !(0...1).contains(duplicateShare) { return "duplicateShare must be between 0 and 1" }
        return nil
    }

    /// True for an absolute `http://` or `https://` URL with a host.
    public static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else { return false }
        return true
    }
}

/// What the push channel has done since the start (or the last reset).
public struct PushCounters: Sendable, Codable, Hashable {
    /// POSTs sent, whatever became of them.
    public var requests: Int
    /// POSTs answered 200 with `{"code":0}`.
    public var acceptedRequests: Int
    /// POSTs that failed: another status or code, an unparsable answer, no answer in time.
    public var failedRequests: Int
    /// Items in accepted POSTs (a duplicate counts each time it is accepted).
    public var itemsAccepted: Int
    /// Items dropped after `maxAttempts` failed pushes.
    public var itemsAbandoned: Int
    /// Items waiting (not yet due, due, or waiting to retry) or in flight.
    public var pending: Int

    public init(requests: Int = 0, acceptedRequests: Int = 0, failedRequests: Int = 0, itemsAccepted: Int = 0,
                itemsAbandoned: Int = 0, pending: Int = 0) {
        self.requests = requests
        self.acceptedRequests = acceptedRequests
        self.failedRequests = failedRequests
        self.itemsAccepted = itemsAccepted
        self.itemsAbandoned = itemsAbandoned
        self.pending = pending
    }

    /// Field-wise sum, for the emulator-wide total of both message types.
    static func + (lhs: PushCounters, rhs: PushCounters) -> PushCounters {
        PushCounters(requests: lhs.requests + rhs.requests, acceptedRequests: lhs.acceptedRequests + rhs.acceptedRequests,
                     failedRequests: lhs.failedRequests + rhs.failedRequests,
                     itemsAccepted: lhs.itemsAccepted + rhs.itemsAccepted,
                     itemsAbandoned: lhs.itemsAbandoned + rhs.itemsAbandoned, pending: lhs.pending + rhs.pending)
    }
}

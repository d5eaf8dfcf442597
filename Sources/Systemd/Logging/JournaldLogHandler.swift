import CSystemd
import Logging
import SMSLedgerCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to journald as structured entries, so each metadata key becomes a field an
/// operator can filter on: `journalctl -u smsledger SMS_BIZ_ID=…` or `MNS_QUEUE=… -p warning`.
///
/// Uses the native protocol (`sd_journal_sendv`) rather than stderr, which would flatten the
/// fields into text. Level and masking come from the shared ``LogSettings`` so a reload can change
/// them; setting `logLevel` on one logger pins that logger's level and detaches it from reloads.
/// When journald is not running the entry is dropped (that is what `sd_journal_sendv` does);
/// ``LoggingSetup`` only picks this handler when the process's stderr is connected to the journal.
public struct JournaldLogHandler: SettingsBackedHandler {
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let settings: LogSettings
    var pinnedLevel: Logger.Level?

    public init(label: String, settings: LogSettings, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.settings = settings
        self.metadataProvider = metadataProvider
    }

    public func log(event: LogEvent) {
        let record = record(for: event, label: label)
        JournalEntry(record: record, identifier: settings.identifier).send()
    }
}

/// One journal entry as `NAME=value` fields, built without touching journald so it can be tested.
struct JournalEntry {
    var fields: [(name: String, value: String)]

    init(record: LogRecord, identifier: String) {
        fields = [
            ("MESSAGE", record.message),
            ("PRIORITY", String(Self.syslogPriority(record.level))),
            ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", record.file),
            ("CODE_LINE", String(record.line)),
            ("CODE_FUNC", record.function),
            ("LOGGER", record.label),
        ]
        for (key, value) in record.metadata {
            fields.append((LogKeys.journalFieldName(for: key), value))
        }
    }

    /// swift-log levels onto syslog priorities, which `journalctl -p` filters by. swift-log has two
    /// levels below info and syslog one, so trace and debug share 7.
    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Sends the entry; returns `sd_journal_sendv`'s result (0, or a negative errno).
    ///
    /// All fields go into one buffer and the iovecs point into it, so nothing moves while journald's
    /// client library reads them. Values may contain newlines: the native protocol carries them.
    @discardableResult
    func send() -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for (name, value) in fields {
            let start = buffer.count
            buffer.append(contentsOf: name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: value.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}

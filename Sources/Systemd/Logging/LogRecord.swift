import Logging
import SMSLedgerCore

/// What both handlers need from one log call: the metadata merged in swift-log's order and
/// flattened to strings, with personal data masked. Kept apart from the output formats so that
/// the journal and the text lines cannot disagree about what was logged.
struct LogRecord {
    var level: Logger.Level
    var message: String
    /// Sorted by key, so text lines are stable and diffable.
    var metadata: [(key: String, value: String)]
    var label: String
    var file: String
    var function: String
    var line: UInt

    /// Merges handler metadata, then the metadata provider's, then the call's own (later wins, as
    /// in swift-log's own handlers). An attached error is added under ``LogKeys/error`` unless the
    /// call already set that key.
    init(event: LogEvent, label: String, handlerMetadata: Logger.Metadata,
         provider: Logger.MetadataProvider?, maskPersonalData: Bool) {
        var merged = handlerMetadata
        if let provided = provider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error, merged[LogKeys.error] == nil {
            merged[LogKeys.error] = .string(String(describing: error))
        }
        self.level = event.level
        self.message = event.message.description
        self.metadata = merged
            .map { key, value in
                let text = value.description
                let shown = maskPersonalData && LogKeys.personal.contains(key) ? PhoneMask.mask(text) : text
                return (key: key, value: shown)
            }
            .sorted { $0.key < $1.key }
        self.label = label
        self.file = event.file
        self.function = event.function
        self.line = event.line
    }
}

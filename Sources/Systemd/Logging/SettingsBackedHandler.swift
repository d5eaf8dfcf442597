import Logging

/// What the journald and the stderr handlers share: the level comes from the process-wide
/// ``LogSettings`` (so a reload changes it) unless a logger pinned its own, metadata is plain
/// handler metadata, and every event becomes one masked ``LogRecord``. Each handler only decides
/// where the record goes.
protocol SettingsBackedHandler: LogHandler {
    var settings: LogSettings { get }
    var pinnedLevel: Logger.Level? { get set }
}

extension SettingsBackedHandler {
    public var logLevel: Logger.Level {
        get { pinnedLevel ?? settings.level }
        set { pinnedLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func record(for event: LogEvent, label: String) -> LogRecord {
        LogRecord(event: event, label: label, handlerMetadata: metadata, provider: metadataProvider,
                  maskPersonalData: settings.maskPersonalData)
    }
}

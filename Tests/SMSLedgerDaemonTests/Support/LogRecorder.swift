import Logging
import Synchronization

/// Keeps every log line given to the loggers it makes, so a test can check what the daemon said.
final class LogRecorder: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        /// The logger's metadata merged with the line's own, as a journal entry's fields would be.
        var metadata: [String: String] = [:]
    }

    private let lines = Mutex<[Line]>([])

    /// A logger whose lines (at `level` and above) are kept here.
    func logger(level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "smsledger.test") { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    /// The messages logged at `level` or above.
    func messages(atLeast level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.level >= level }.map(\.message) }
    }

    /// The lines logged at `level` or above, with their metadata.
    func lines(atLeast level: Logger.Level) -> [Line] {
        lines.withLock { $0.filter { $0.level >= level } }
    }

    fileprivate func append(_ line: Line) {
        lines.withLock { $0.append(line) }
    }
}

private struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, line in line }
        recorder.append(LogRecorder.Line(level: event.level, message: event.message.description,
                                         metadata: merged.mapValues(\.description)))
    }
}

import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Writes one readable line per log call to stderr (or another descriptor), for a terminal, a
/// container runtime, or a service whose stderr is not the journal:
///
///     2026-11-23T10:00:00.123Z info smsledger.mns: received batch batch.size=16 mns.queue=Alicom-Queue-1
///
/// Each line goes out in a single `write(2)`, so lines from concurrent tasks do not interleave
/// (writes of up to `PIPE_BUF` bytes to a pipe are atomic). Level and masking come from the shared
/// ``LogSettings``, as in ``JournaldLogHandler``.
public struct StderrLogHandler: SettingsBackedHandler {
    public let label: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let settings: LogSettings
    private let fileDescriptor: Int32
    var pinnedLevel: Logger.Level?

    public init(label: String, settings: LogSettings, metadataProvider: Logger.MetadataProvider? = nil,
                fileDescriptor: Int32 = STDERR_FILENO) {
        self.label = label
        self.settings = settings
        self.metadataProvider = metadataProvider
        self.fileDescriptor = fileDescriptor
    }

    public func log(event: LogEvent) {
        let record = record(for: event, label: label)
        let line = TextLine.format(record, at: Date()) + "\n"
        Self.writeAll(line, to: fileDescriptor)
    }

    /// Retries on `EINTR` and short writes; gives up silently otherwise, since there is nowhere
    /// left to report a failure to write the log.
    private static func writeAll(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

/// The text format, apart from any descriptor so tests can read it.
enum TextLine {
    /// `<UTC timestamp, ms> <level> <label>: <message> key=value …`. Newlines in the message and
    /// values are written as `\n` so one call is always one line; values with spaces, quotes, `=`
    /// or nothing at all are quoted.
    static func format(_ record: LogRecord, at date: Date) -> String {
        var line = "\(timestamp(date)) \(record.level.rawValue) \(record.label): \(escaped(record.message))"
        for (key, value) in record.metadata {
            line += " \(key)=\(quotedIfNeeded(escaped(value)))"
        }
        return line
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-11-23T10:00:00.123Z`. Built by hand because
    /// Foundation's formatters are neither cheap per line nor `Sendable` everywhere.
    static func timestamp(_ date: Date) -> String {
        // Whole milliseconds first: a Double such as 1795428000.123 is really …0.12299999.
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (quotient, remainder) = totalMillis.quotientAndRemainder(dividingBy: 1000)
        var seconds = time_t(remainder < 0 ? quotient - 1 : quotient)
        let millis = remainder < 0 ? remainder + 1000 : remainder
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + ".\(pad(Int32(millis), 3))Z"
    }

    static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline }) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\\n")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
    }

    static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\t" }
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

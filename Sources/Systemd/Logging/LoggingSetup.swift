import Synchronization
import SMSLedgerCore
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Where log lines go.
public enum LogFormat: String, Sendable, CaseIterable {
    /// ``journal`` when stderr is connected to journald (the daemon runs under systemd with the
    /// default `StandardError=journal`), ``text`` otherwise.
    case auto
    /// Structured entries through the native journal protocol (``JournaldLogHandler``).
    case journal
    /// Readable lines on stderr (``StderrLogHandler``).
    case text

    /// Resolves ``auto``. systemd sets `JOURNAL_STREAM=<device>:<inode>` for the stderr it connected
    /// to the journal; comparing with stderr's own identity (as `sd_journal_stream_fd(3)` advises)
    /// avoids picking the journal when the variable was merely inherited by a child whose stderr
    /// was redirected, say to a file.
    public func resolved(journalStream: String?, stderrIdentity: (device: UInt64, inode: UInt64)?) -> LogFormat {
        guard self == .auto else { return self }
        guard let journalStream, let stderrIdentity else { return .text }
        let parts = journalStream.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return .text }
        return device == stderrIdentity.device && inode == stderrIdentity.inode ? .journal : .text
    }

    /// ``resolved(journalStream:stderrIdentity:)`` for this process.
    public func resolvedForThisProcess() -> LogFormat {
        let journalStream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        var status = stat()
        let identity = fstat(STDERR_FILENO, &status) == 0
            ? (device: UInt64(status.st_dev), inode: UInt64(status.st_ino)) : nil
        return resolved(journalStream: journalStream, stderrIdentity: identity)
    }
}

/// Installs SMSLedger's log handlers into swift-log.
public enum LoggingSetup {
    /// The settings of the one bootstrap this process may do; `nil` until then.
    private static let installed = Mutex<LogSettings?>(nil)

    /// Bootstraps swift-log with journal or text handlers and returns the shared settings that a
    /// reload changes (`settings.level = .debug`).
    ///
    /// swift-log allows one bootstrap per process and traps on a second. Calling this again is
    /// therefore safe but only updates level and masking of the existing settings; the format and
    /// identifier chosen first stay.
    @discardableResult
    public static func bootstrap(level: Logger.Level = .info, format: LogFormat = .auto,
                                 maskPhones: Bool = true, identifier: String = "smsledger") -> LogSettings {
        let (settings, isNew) = installed.withLock { current -> (LogSettings, Bool) in
            if let current { return (current, false) }
            let created = LogSettings(level: level, maskPersonalData: maskPhones, identifier: identifier)
            current = created
            return (created, true)
        }
        guard isNew else {
            settings.level = level
            settings.maskPersonalData = maskPhones
            return settings
        }
        let resolved = format.resolvedForThisProcess()
        LoggingSystem.bootstrap { label in makeHandler(label: label, settings: settings, format: resolved) }
        return settings
    }

    /// The handler for `format`, for code that builds loggers without the global bootstrap (tests,
    /// subcommands). ``LogFormat/auto`` is resolved for this process.
    public static func makeHandler(label: String, settings: LogSettings, format: LogFormat) -> any LogHandler {
        switch format.resolvedForThisProcess() {
        case .journal: JournaldLogHandler(label: label, settings: settings)
        case .text, .auto: StderrLogHandler(label: label, settings: settings)
        }
    }
}

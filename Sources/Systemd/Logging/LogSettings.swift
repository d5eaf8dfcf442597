import Synchronization
import SMSLedgerCore
import Logging

/// The logging knobs that may change while the daemon runs.
///
/// swift-log's `LoggingSystem.bootstrap` may be called once per process, so a reload (SIGHUP)
/// cannot install new handlers. Instead every handler made by ``LoggingSetup`` reads its level and
/// masking from one shared `LogSettings` on each call; changing ``level`` here changes the level
/// of every logger at once, including loggers created long before.
public final class LogSettings: Sendable {
    private let state: Mutex<(level: Logger.Level, maskPersonalData: Bool)>

    /// `SYSLOG_IDENTIFIER` in the journal and the name in text lines' origin. Fixed for the process.
    public let identifier: String

    public init(level: Logger.Level = .info, maskPersonalData: Bool = true, identifier: String = "smsledger") {
        self.state = Mutex((level, maskPersonalData))
        self.identifier = identifier
    }

    /// The minimum level logged by handlers that were not given a level of their own.
    public var level: Logger.Level {
        get { state.withLock { $0.level } }
        set { state.withLock { $0.level = newValue } }
    }

    /// Whether values under ``SMSLedgerCore/LogKeys/personal`` keys (phone numbers) are masked.
    /// On by default: logs travel further than the ledger and are kept by other rules.
    public var maskPersonalData: Bool {
        get { state.withLock { $0.maskPersonalData } }
        set { state.withLock { $0.maskPersonalData = newValue } }
    }
}

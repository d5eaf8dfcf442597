import Foundation
import LedgerStore
import Logging
import SMSLedgerConfig
import Systemd

// The config module names its enums without depending on swift-log, the store or systemd; these
// small bridges translate them where the modules meet.

extension SMSLedgerConfig.LogLevel {
    public var swiftLogLevel: Logger.Level {
        Logger.Level(rawValue: rawValue) ?? .info
    }
}

extension SMSLedgerConfig.LogFormat {
    public var logFormat: Systemd.LogFormat {
        Systemd.LogFormat(rawValue: rawValue) ?? .auto
    }
}

extension SQLiteLedgerOptions {
    public init(_ store: StoreSettings) {
        self.init(synchronous: Synchronous(rawValue: store.synchronous.rawValue) ?? .full,
                  busyTimeout: store.busyTimeout)
    }
}

/// Writes to the standard streams without the C globals that strict concurrency rejects.
public enum FileOutput {
    public static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

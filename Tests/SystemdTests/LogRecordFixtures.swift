import Logging
@testable import Systemd

extension LogRecord {
    /// A record as the handlers would build it from one `logger.info(...)` call.
    static func fixture(level: Logger.Level = .info, message: String = "receipt stored",
                        metadata: Logger.Metadata = [:], maskPersonalData: Bool = true) -> LogRecord {
        LogRecord(
            event: LogEvent(level: level, message: "\(message)", metadata: metadata, source: "SMSLedgerDaemon",
                            file: "SMSLedgerDaemon/QueuePoller.swift", function: "poll()", line: 42),
            label: "smsledger.mns", handlerMetadata: [:], provider: nil, maskPersonalData: maskPersonalData)
    }
}

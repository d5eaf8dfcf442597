import Foundation
import Logging
import SMSLedgerCore
import Testing
@testable import Systemd

/// Sends a real entry to a real journald. Runs only from `systemd/tests/journal-fields.sh`, which
/// starts a private journald, sets SMSLEDGER_JOURNAL_TEST=1 and a fresh SMSLEDGER_JOURNAL_BIZ_ID,
/// then reads the journal back with `journalctl SMS_BIZ_ID=…` to check the fields arrived.
@Suite("JournaldLiveTests", .enabled(if: ProcessInfo.processInfo.environment["SMSLEDGER_JOURNAL_TEST"] == "1",
                                     "needs a private journald: run systemd/tests/journal-fields.sh"))
struct JournaldLiveTests {
    @Test func anEntryWithMetadataReachesJournald() throws {
        let bizId = try #require(ProcessInfo.processInfo.environment["SMSLEDGER_JOURNAL_BIZ_ID"])
        let settings = LogSettings(level: .info, identifier: "smsledger-test")
        let logger = Logger(label: "smsledger.journal-test") { JournaldLogHandler(label: $0, settings: settings) }
        logger.warning("journal field test", metadata: [
            LogKeys.smsBizId: "\(bizId)", LogKeys.smsPhone: "13800138000", LogKeys.mnsDequeueCount: "2",
        ])
        let record = LogRecord.fixture(metadata: [LogKeys.smsBizId: "\(bizId)-direct"])
        #expect(JournalEntry(record: record, identifier: "smsledger-test").send() == 0)
    }
}

import Logging
import SMSLedgerCore
import Testing
@testable import Systemd

@Suite("JournalEntry: what JournaldLogHandler sends")
struct JournalEntryTests {
    private func field(_ name: String, in entry: JournalEntry) -> String? {
        entry.fields.first { $0.name == name }?.value
    }

    @Test func carriesMessageIdentifierLoggerAndSourceLocation() {
        let entry = JournalEntry(record: .fixture(), identifier: "smsledger")
        #expect(field("MESSAGE", in: entry) == "receipt stored")
        #expect(field("SYSLOG_IDENTIFIER", in: entry) == "smsledger")
        #expect(field("LOGGER", in: entry) == "smsledger.mns")
        #expect(field("CODE_FILE", in: entry) == "SMSLedgerDaemon/QueuePoller.swift")
        #expect(field("CODE_LINE", in: entry) == "42")
        #expect(field("CODE_FUNC", in: entry) == "poll()")
    }

    @Test(arguments: [
        (Logger.Level.trace, "7"), (.debug, "7"), (.info, "6"), (.notice, "5"),
        (.warning, "4"), (.error, "3"), (.critical, "2"),
    ])
    func levelsBecomeSyslogPriorities(level: Logger.Level, priority: String) {
        let entry = JournalEntry(record: .fixture(level: level), identifier: "smsledger")
        #expect(field("PRIORITY", in: entry) == priority)
    }

    @Test func metadataBecomesSearchableFields() {
        let record = LogRecord.fixture(metadata: [LogKeys.smsBizId: "1234^5678", LogKeys.mnsDequeueCount: "2"])
        let entry = JournalEntry(record: record, identifier: "smsledger")
        #expect(field("SMS_BIZ_ID", in: entry) == "1234^5678")
        #expect(field("MNS_DEQUEUE_COUNT", in: entry) == "2")
    }

    @Test func phoneNumbersAreMaskedByDefault() {
        let entry = JournalEntry(record: .fixture(metadata: [LogKeys.smsPhone: "13800138000"]), identifier: "s")
        #expect(field("SMS_PHONE", in: entry) == "138****8000")
    }

    @Test func phoneNumbersAreShownWhenMaskingIsOff() {
        let record = LogRecord.fixture(metadata: [LogKeys.smsPhone: "13800138000"], maskPersonalData: false)
        #expect(field("SMS_PHONE", in: JournalEntry(record: record, identifier: "s")) == "13800138000")
    }

    @Test func metadataCannotReplaceTheMessage() {
        let entry = JournalEntry(record: .fixture(metadata: ["message": "forged"]), identifier: "s")
        #expect(field("MESSAGE", in: entry) == "receipt stored")
        #expect(field("META_MESSAGE", in: entry) == "forged")
    }
}

@Suite("LogRecord: merging metadata")
struct LogRecordTests {
    @Test func callMetadataWinsOverProviderWhichWinsOverHandler() {
        let provider = Logger.MetadataProvider { ["mns.queue": "from-provider", "request_id": "r-1"] }
        let record = LogRecord(
            event: LogEvent(level: .info, message: "m", metadata: ["mns.queue": "from-call"], source: nil,
                            file: "F.swift", function: "f()", line: 1),
            label: "l", handlerMetadata: ["mns.queue": "from-handler", "batch.size": "3"],
            provider: provider, maskPersonalData: true)
        #expect(record.metadata.map(\.key) == ["batch.size", "mns.queue", "request_id"])
        #expect(record.metadata.map(\.value) == ["3", "from-call", "r-1"])
    }

    @Test func anAttachedErrorIsRecordedUnderTheErrorKey() {
        struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
        let record = LogRecord(
            event: LogEvent(level: .error, message: "m", error: Refused(), metadata: nil, source: nil,
                            file: "F.swift", function: "f()", line: 1),
            label: "l", handlerMetadata: [:], provider: nil, maskPersonalData: true)
        #expect(record.metadata.first { $0.key == LogKeys.error }?.value == "connection refused")
    }
}

import Foundation
import Logging
import SMSLedgerCore
import Testing
@testable import Systemd
#if canImport(Glibc)
import Glibc
#endif

@Suite("StderrLogHandler text lines")
struct TextLineTests {
    /// 2026-11-23T10:00:00.123Z
    let date = Date(timeIntervalSince1970: 1_795_428_000.123)

    @Test func timestampIsUTCWithMilliseconds() {
        #expect(TextLine.timestamp(date) == "2026-11-23T10:00:00.123Z")
        #expect(TextLine.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func aLineHasTimeLevelLabelMessageAndSortedMetadata() {
        let record = LogRecord.fixture(metadata: [LogKeys.mnsQueue: "Alicom-Queue-1", LogKeys.batchSize: "16"])
        #expect(TextLine.format(record, at: date)
            == "2026-11-23T10:00:00.123Z info smsledger.mns: receipt stored batch.size=16 mns.queue=Alicom-Queue-1")
    }

    @Test func valuesWithSpacesOrQuotesAreQuoted() {
        let record = LogRecord.fixture(metadata: ["error": #"said "no" twice"#, "empty": ""])
        #expect(TextLine.format(record, at: date).hasSuffix(#" empty="" error="said \"no\" twice""#))
    }

    @Test func newlinesNeverSplitALine() {
        let record = LogRecord.fixture(message: "first\nsecond", metadata: ["body": "a\r\nb"])
        let line = TextLine.format(record, at: date)
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(line.contains(#"first\nsecond"#) && line.contains(#"body=a\nb"#))
    }

    @Test func phoneNumbersAreMaskedInText() {
        let record = LogRecord.fixture(metadata: [LogKeys.smsPhone: "13800138000"])
        #expect(TextLine.format(record, at: date).hasSuffix("sms.phone=138****8000"))
    }

    @Test func theHandlerWritesOneLinePerCallToItsDescriptor() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let settings = LogSettings(level: .info)
        let logger = Logger(label: "smsledger.test") {
            StderrLogHandler(label: $0, settings: settings, fileDescriptor: ends[1])
        }
        logger.info("stored", metadata: [LogKeys.smsBizId: "b-1"])
        logger.debug("not shown at info")
        close(ends[1])
        let output = String(decoding: FileHandle(fileDescriptor: ends[0]).readDataToEndOfFile(), as: UTF8.self)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix(" info smsledger.test: stored sms.biz_id=b-1") == true)
    }
}

@Suite("LogSettings and LogFormat")
struct LogSettingsTests {
    @Test func changingTheSharedLevelChangesExistingLoggers() {
        let settings = LogSettings(level: .info)
        let logger = Logger(label: "x") { StderrLogHandler(label: $0, settings: settings) }
        #expect(logger.logLevel == .info)
        settings.level = .debug
        #expect(logger.logLevel == .debug)
    }

    @Test func aLevelSetOnOneLoggerStaysWithThatLogger() {
        let settings = LogSettings(level: .info)
        var pinned = Logger(label: "x") { JournaldLogHandler(label: $0, settings: settings) }
        pinned.logLevel = .error
        settings.level = .trace
        #expect(pinned.logLevel == .error)
    }

    @Test func autoPicksTheJournalWhenStderrIsTheJournalStream() {
        #expect(LogFormat.auto.resolved(journalStream: "8:12345", stderrIdentity: (8, 12345)) == .journal)
    }

    @Test func autoPicksTextWhenStderrWasRedirected() {
        #expect(LogFormat.auto.resolved(journalStream: "8:12345", stderrIdentity: (8, 999)) == .text)
        #expect(LogFormat.auto.resolved(journalStream: nil, stderrIdentity: (8, 12345)) == .text)
        #expect(LogFormat.auto.resolved(journalStream: "garbage", stderrIdentity: (8, 12345)) == .text)
    }

    @Test func anExplicitFormatIsKept() {
        #expect(LogFormat.text.resolved(journalStream: "8:1", stderrIdentity: (8, 1)) == .text)
        #expect(LogFormat.journal.resolved(journalStream: nil, stderrIdentity: nil) == .journal)
    }
}

import AlibabaCloud
import AlicomEmulator
import Foundation
import LedgerStore
import Logging
import SMSLedgerCore
import SMSLedgerDaemon
import Synchronization
import Testing

/// A fresh SQLite ledger in its own temporary directory, for one compensation test.
struct CompensationLedger: Sendable {
    let directory: URL
    let store: SQLiteLedgerStore

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("smsledger-compensation-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path,
                                      options: SQLiteLedgerOptions(synchronous: .normal))
    }

    /// Records sends as tracked, due `firstCheckDelay` after their send time.
    func track(_ sends: [SendRecord], firstCheckDelay: TimeInterval = 0) async throws {
        _ = try await store.commit(LedgerBatch(sends: sends, firstCheckDelay: firstCheckDelay))
    }

    func send(_ bizId: String, phone: String) async throws -> TrackedSend {
        try #require(try await store.sends(LedgerQuery(phoneNumber: phone, bizId: bizId, limit: 1)).first)
    }

    /// Opens a ledger, runs `body`, and always removes the ledger again.
    static func with(_ body: (CompensationLedger) async throws -> Void) async throws {
        let ledger = try CompensationLedger()
        do {
            try await body(ledger)
        } catch {
            await ledger.remove()
            throw error
        }
        await ledger.remove()
    }

    func remove() async {
        await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A clock the test moves by hand.
final class CompensationClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func set(_ date: Date) {
        current.withLock { $0 = date }
    }

    var function: @Sendable () -> Date { { [self] in now } }
}

/// A ``SendDetailsSource`` that answers from a script and remembers every question.
final class ScriptedSendDetails: SendDetailsSource {
    struct Question: Sendable, Hashable {
        var phoneNumber: String
        var bizId: String?
        var sendDate: String
        var pageSize: Int
        var currentPage: Int
    }

    typealias Answer = @Sendable (Question) throws -> SendDetailsPage

    private let state: Mutex<(questions: [Question], inFlight: Int, maxInFlight: Int)> = Mutex(([], 0, 0))
    private let answer: Answer
    private let delay: Duration

    init(delay: Duration = .zero, answer: @escaping Answer) {
        self.answer = answer
        self.delay = delay
    }

    var questions: [Question] { state.withLock { $0.questions } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }

    func querySendDetails(phoneNumber: String, bizId: String?, sendDate: String, pageSize: Int,
                          currentPage: Int) async throws -> SendDetailsPage {
        let question = Question(phoneNumber: phoneNumber, bizId: bizId, sendDate: sendDate, pageSize: pageSize,
                                currentPage: currentPage)
        state.withLock { s in
            s.questions.append(question)
            s.inFlight += 1
            s.maxInFlight = max(s.maxInFlight, s.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        if delay > .zero { try await Task.sleep(for: delay) }
        return try answer(question)
    }

    /// A `SmsSendDetailDTO` row as the service writes it.
    static func row(phone: String, status: Int, errCode: String = "DELIVERED",
                    receiveDate: String = "2024-03-05 14:07:05") -> Data {
        let received = status == 1 ? "" : receiveDate
        let code = status == 1 ? "" : errCode
        return Data(#"{"PhoneNum":"\#(phone)","SendStatus":\#(status),"ErrCode":"\#(code)","TemplateCode":"SMS_1","Content":"c","SendDate":"2024-03-05 14:07:01","ReceiveDate":"\#(received)","OutId":""}"#.utf8)
    }

    static func page(_ rows: [Data], total: Int? = nil) -> SendDetailsPage {
        SendDetailsPage(rows: rows, totalCount: total ?? rows.count, requestId: "R")
    }
}

/// Quiet loggers for the tests.
enum CompensationLogging {
    static var logger: Logger {
        var logger = Logger(label: "smsledger.compensation.tests")
        logger.logLevel = .critical
        return logger
    }
}

/// Settings that never wait on the limiter in tests.
extension CompensatorSettings {
    static func testing(maxQPS: Double = 1_000, concurrency: Int = 4, policy: CompensationPolicy = CompensationPolicy(),
                        interval: Duration = .milliseconds(20)) -> CompensatorSettings {
        CompensatorSettings(interval: interval, policy: policy, maxQPS: maxQPS, concurrency: concurrency)
    }
}

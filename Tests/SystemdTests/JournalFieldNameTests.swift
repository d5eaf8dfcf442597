import SMSLedgerCore
import Testing

@Suite("LogKeys.journalFieldName: metadata keys as journald fields")
struct JournalFieldNameTests {
    @Test(arguments: [
        (LogKeys.smsBizId, "SMS_BIZ_ID"), (LogKeys.smsOutId, "SMS_OUT_ID"), (LogKeys.smsPhone, "SMS_PHONE"),
        (LogKeys.mnsQueue, "MNS_QUEUE"), (LogKeys.mnsMessageId, "MNS_MESSAGE_ID"),
        (LogKeys.mnsDequeueCount, "MNS_DEQUEUE_COUNT"), (LogKeys.mnsReceiptHandle, "MNS_RECEIPT_HANDLE"),
        (LogKeys.errorKind, "ERROR_KIND"), (LogKeys.errorCode, "ERROR_CODE"), (LogKeys.storePath, "STORE_PATH"),
        (LogKeys.httpPath, "HTTP_PATH"), (LogKeys.httpStatus, "HTTP_STATUS"), (LogKeys.requestId, "REQUEST_ID"),
        (LogKeys.batchSize, "BATCH_SIZE"),
    ])
    func projectKeysMapToUpperSnakeCase(key: String, field: String) {
        #expect(LogKeys.journalFieldName(for: key) == field)
    }

    @Test func everyProjectKeyHasItsOwnField() {
        let fields = LogKeys.all.map(LogKeys.journalFieldName(for:))
        #expect(Set(fields).count == LogKeys.all.count)
    }

    @Test func punctuationAndNonASCIIBecomeUnderscores() {
        #expect(LogKeys.journalFieldName(for: "http-client/retry.count") == "HTTP_CLIENT_RETRY_COUNT")
        #expect(LogKeys.journalFieldName(for: "队列.name") == "NAME")
    }

    @Test func leadingUnderscoresAreDroppedBecauseJournaldReservesThem() {
        #expect(LogKeys.journalFieldName(for: "_pid") == "PID")
        #expect(LogKeys.journalFieldName(for: "__") == "METADATA")
    }

    @Test func aLeadingDigitGetsAPrefix() {
        #expect(LogKeys.journalFieldName(for: "2fa.code") == "F_2FA_CODE")
    }

    @Test func keysThatWouldOverwriteTheHandlersOwnFieldsArePrefixed() {
        #expect(LogKeys.journalFieldName(for: "message") == "META_MESSAGE")
        #expect(LogKeys.journalFieldName(for: "priority") == "META_PRIORITY")
    }

    @Test func namesAreCutAtSixtyFourCharacters() {
        let name = LogKeys.journalFieldName(for: String(repeating: "a.", count: 50))
        #expect(name.count == 64)
    }

    @Test func everyResultIsAValidJournaldFieldName() {
        for key in ["", "9", "_", "a b", "ü", "x.y.z", String(repeating: "k", count: 100), "message"] {
            let name = LogKeys.journalFieldName(for: key)
            #expect(!name.isEmpty && name.count <= 64, "\(key) → \(name)")
            #expect(name.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
            #expect(name.first != "_" && !(name.first?.isNumber ?? true))
        }
    }
}

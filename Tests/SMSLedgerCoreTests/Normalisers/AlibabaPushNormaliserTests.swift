import Foundation
import Testing
@testable import SMSLedgerCore
import Parsers

/// Alibaba's HTTP batch push: a JSON array in, one event per item out, failures local to an item.
@Suite("Alibaba HTTP push bodies")
struct AlibabaPushNormaliserTests {
    private func items(_ body: String, _ kind: MessageKind = .smsReport) throws -> [LedgerEvent] {
        guard case .items(let events, _) = AlibabaPushNormaliser.normalise(body: Data(body.utf8), kind: kind) else {
            Issue.record("expected items for \(body.prefix(60))")
            return []
        }
        return events
    }

    @Test func mainlandAndInternationalItemsAreToldApartPerItem() throws {
        let body = "[" + Fixtures.smsReportJSON + ", " + Fixtures.internationalReportJSON(status: "2", errorCode: "EXPIRED") + "]"
        let events = try items(body)
        #expect(events.count == 2)
        guard case .receipt(let mainland) = events[0], case .receipt(let international) = events[1] else {
            Issue.record("expected two receipts, got \(events)")
            return
        }
        #expect(mainland.bizId == "900619746936498440^0" && mainland.status == .delivered)
        #expect(international.bizId == "1008030300308311^0" && international.status.state == .failed)
        #expect(mainland.source == .smsReportPush && international.source == .smsReportPush)
    }

    @Test func eachItemKeepsItsOwnBytesExactlyAsSent() throws {
        let spaced = "{ \"phone_number\" : \"13800138000\",\n \"send_time\":\"2024-03-05 14:07:01\", \"report_time\":\"2024-03-05 14:07:05\", \"success\":true, \"err_code\":\"DELIVERED\", \"err_msg\":\"用户接收成功\", \"sms_size\":\"1\", \"biz_id\":\"1^0\", \"out_id\":\"\" }"
        let events = try items("\u{FEFF}[\n  " + spaced + " ,\n" + Fixtures.smsReportFailureJSON + "\n]")
        guard case .receipt(let first) = events[0], case .receipt(let second) = events[1] else {
            Issue.record("expected receipts")
            return
        }
        #expect(first.rawBody == Data(spaced.utf8))
        #expect(second.rawBody == Data(Fixtures.smsReportFailureJSON.utf8))
    }

    /// The same news through the queue and through a push is the same report in the ledger.
    @Test func aPushedReceiptHasTheSameDedupeKeyAsTheQueuedOne() throws {
        guard case .receipt(let queued) = MNSBodyNormaliser.normalise(body: Fixtures.smsReportMessageBody, queueKind: .smsReport),
              case .receipt(let pushed) = try items("[" + Fixtures.smsReportJSON + "]").first,
              case .inbound(let queuedReply) = MNSBodyNormaliser.normalise(body: Fixtures.smsUpMessageBody, queueKind: .smsUp),
              case .inbound(let pushedReply) = try items("[" + Fixtures.smsUpJSON.replacingOccurrences(
                  of: "1234567890", with: "\"1234567890\"") + "]", .smsUp).first else {
            Issue.record("expected a receipt and a reply through both channels")
            return
        }
        #expect(queued.dedupeKey == pushed.dedupeKey)
        #expect(queuedReply.dedupeKey == pushedReply.dedupeKey)
        #expect(queued.source == .smsReport && pushed.source == .smsReportPush)
    }

    @Test func anUnreadableItemIsQuarantinedWithItsBytesAndItsNeighboursStillRead() throws {
        let broken = #"{"phone_number":"13800138000","success":true}"#
        let events = try items("[" + Fixtures.smsReportJSON + "," + broken + ",42,\"text\"," + Fixtures.smsReportFailureJSON + "]")
        #expect(events.count == 5)
        guard case .receipt = events[0], case .quarantine(let missing) = events[1], case .quarantine(let number) = events[2],
              case .quarantine(let text) = events[3], case .receipt = events[4] else {
            Issue.record("expected receipt, three quarantined items, receipt; got \(events)")
            return
        }
        #expect(missing.rawBody == Data(broken.utf8))
        #expect(missing.reason.contains("report_time") || missing.reason.contains("biz_id"))
        #expect(missing.source == .smsReportPush)
        #expect(missing.context == "item 2 of 5")
        #expect(number.rawBody == Data("42".utf8) && number.reason == NormalisationError(.notAnObject).reason)
        #expect(text.rawBody == Data("\"text\"".utf8))
    }

    @Test func repliesArePushedAsSmsUpItems() throws {
        let events = try items("[" + Fixtures.smsUpJSON + "]", .smsUp)
        guard case .inbound(let reply) = events.first else {
            Issue.record("expected a reply")
            return
        }
        #expect(reply.content == "退订" && reply.sequenceId == "1234567890")
        // A receipt pushed to the SmsUp path is not a reply: quarantined, not misfiled.
        guard case .quarantine(let misfiled) = try items("[" + Fixtures.smsReportJSON + "]", .smsUp).first else {
            Issue.record("a receipt on the SmsUp path must be quarantined")
            return
        }
        #expect(misfiled.source == .smsUpPush)
    }

    @Test func anEmptyArrayIsNoEvents() throws {
        #expect(try items(" [ ] ").isEmpty)
    }

    @Test(arguments: [
        (#"{"phone_number":"13800138000"}"#, "not an array"),
        ("[" + #"{"a":1}"#, "bad JSON"),
        ("", "bad JSON"),
        ("[1,]", "bad JSON"),
    ])
    func aBodyThatIsNotAnArrayIsQuarantinedWhole(body: String, why: String) {
        guard case .notAnArray(let entry) = AlibabaPushNormaliser.normalise(body: Data(body.utf8), kind: .smsReport,
                                                                             context: "peer") else {
            Issue.record("\(why): expected the whole body in quarantine")
            return
        }
        #expect(entry.rawBody == Data(body.utf8))
        #expect(entry.context == "peer" && entry.source == .smsReportPush)
    }

    @Test func invalidUTF8IsQuarantinedWhole() {
        var body = Data("[".utf8)
        body.append(contentsOf: [0xC3, 0x28])
        body.append(contentsOf: Array("]".utf8))
        guard case .notAnArray(let entry) = AlibabaPushNormaliser.normalise(body: body, kind: .smsUp) else {
            Issue.record("expected quarantine")
            return
        }
        #expect(entry.reason == NormalisationError(.invalidUTF8).reason)
    }

    /// Only the outer array's elements are items; arrays nested inside an item are part of that item.
    @Test func nestedArraysDoNotSplitAnItem() throws {
        let elements = try #require(try JSONValue.topLevelArrayElements(Data(#"[{"a":[1,2]},[3,[4]], "x"]"#.utf8)))
        #expect(elements.map(\.bytes) == [1..<12, 13..<20, 22..<25])
        #expect(try JSONValue.topLevelArrayElements(Data(#"{"a":[1]}"#.utf8)) == nil)
    }

    /// The bytes of a slice of a larger buffer (as the HTTP layer hands over) are found at the right place.
    @Test func itemsAreCutFromADataSliceCorrectly() throws {
        let whole = Data(("xxxx[" + Fixtures.smsReportJSON + "]").utf8)
        let slice = whole[4...]
        guard case .items(let events, _) = AlibabaPushNormaliser.normalise(body: slice, kind: .smsReport),
              case .receipt(let receipt) = events.first else {
            Issue.record("expected a receipt")
            return
        }
        #expect(receipt.rawBody == Data(Fixtures.smsReportJSON.utf8))
    }
}

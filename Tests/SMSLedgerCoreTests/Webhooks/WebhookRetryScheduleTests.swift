import Foundation
import Testing
@testable import SMSLedgerCore

@Suite("Webhook retry schedule")
struct WebhookRetryScheduleTests {
    @Test func aTwoHundredIsDeliveredWhateverTheAttempt() {
        var random = SeededGenerator(seed: 1)
        let schedule = WebhookRetrySchedule()
        #expect(schedule.decide(attempt: 1, result: .accepted(status: 204), using: &random) == .delivered)
        #expect(schedule.decide(attempt: 99, result: .accepted(status: 200), using: &random) == .delivered)
    }

    @Test func withoutJitterTheWaitsAreTheTableAndTheDefaultsCoverMoreThanThreeDays() {
        var random = SeededGenerator(seed: 1)
        let schedule = WebhookRetrySchedule(jitter: 0)
        let waits = (1...schedule.delays.count).map { attempt -> Duration in
            guard case .retry(let after) = schedule.decide(attempt: attempt, result: .rejected(status: 500), using: &random)
            else { return .zero }
            return after
        }
        #expect(waits == WebhookRetrySchedule.defaultDelays)
        #expect(waits.reduce(.zero, +) > .seconds(3 * 86_400))
        #expect(schedule.maxAttempts == 11)
    }

    @Test func afterTheLastWaitTheDeliveryIsDead() {
        var random = SeededGenerator(seed: 1)
        let schedule = WebhookRetrySchedule(delays: [.seconds(1), .seconds(2)])
        #expect(schedule.decide(attempt: 3, result: .unreachable("Timeout"), using: &random) == .dead)
        #expect(schedule.decide(attempt: 2, result: .unreachable("Timeout"), using: &random) != .dead)
    }

    @Test func goneDisablesTheEndpointInsteadOfRetrying() {
        var random = SeededGenerator(seed: 1)
        #expect(WebhookRetrySchedule().decide(attempt: 1, result: .gone, using: &random) == .disableEndpoint)
    }

    @Test func jitterStaysWithinTwentyPercentAndVaries() {
        var random = SeededGenerator(seed: 42)
        let schedule = WebhookRetrySchedule(delays: [.seconds(100)])
        var seen: Set<Duration> = []
        for _ in 0..<200 {
            guard case .retry(let after) = schedule.decide(attempt: 1, result: .rejected(status: 503), using: &random) else {
                Issue.record("expected a retry")
                return
            }
            #expect(after >= .seconds(80) && after <= .seconds(120))
            seen.insert(after)
        }
        #expect(seen.count > 50)
    }
}

@Suite("Endpoint health")
struct EndpointHealthTests {
    @Test func aHealthyEndpointClaimsFullBatchesWithoutPausing() {
        let health = EndpointHealth()
        #expect(health.claimLimit(full: 32) == 32)
        #expect(health.pause == .zero)
    }

    @Test func failedCyclesProbeWithOneDeliveryAtDoublingPausesUpToTheCap() {
        var health = EndpointHealth(basePause: .seconds(1), maxPause: .seconds(10))
        var pauses: [Duration] = []
        for _ in 0..<6 {
            health.record(attempted: 3, succeeded: 0)
            pauses.append(health.pause)
        }
        #expect(pauses == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(health.claimLimit(full: 32) == 1)
    }

    @Test func oneSuccessMakesItHealthyAndAnEmptyCycleChangesNothing() {
        var health = EndpointHealth()
        health.record(attempted: 1, succeeded: 0)
        health.record(attempted: 0, succeeded: 0)
        #expect(health.isFailing)
        health.record(attempted: 1, succeeded: 1)
        #expect(!health.isFailing)
    }
}

@Suite("Webhook event ids, times and keys")
struct WebhookEventFormatTests {
    @Test func eventIdsRoundTripAndRejectNonsense() {
        #expect(WebhookEventID.string(42) == "evt_42")
        #expect(WebhookEventID.sequence("evt_42") == 42)
        #expect(WebhookEventID.sequence("42") == 42)
        #expect(WebhookEventID.sequence("evt_") == nil)
        #expect(WebhookEventID.sequence("evt_-1") == nil)
        #expect(WebhookEventID.sequence("msg_x") == nil)
    }

    @Test func timesAreUTCWithMilliseconds() {
        #expect(RFC3339.string(Date(timeIntervalSince1970: 1_700_000_000.123)) == "2023-11-14T22:13:20.123Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.string(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
    }

    @Test func aSecretIsBase64AfterAnOptionalWhsecPrefix() {
        #expect(WebhookSigningKey.decode("whsec_AQID") == [1, 2, 3])
        #expect(WebhookSigningKey.decode("AQID") == [1, 2, 3])
        #expect(WebhookSigningKey.decode("whsec_AQI") == [1, 2])
        #expect(WebhookSigningKey.decode("whsec_not base64!") == nil)
        #expect(WebhookSigningKey.decode("whsec_") == nil)
    }

    @Test func aReceiptEventHasTheStandardShapeAndEveryFieldEvenWhenAbsent() throws {
        let receipt = DeliveryReceipt(provider: .alibaba, source: .smsReport, bizId: "b1", outId: nil, phoneNumber: "138",
                                      status: .delivered, providerCode: "DELIVERED", providerText: "用户接收成功",
                                      sentAt: nil, reportedAt: nil, smsSize: nil, rawBody: Data())
        let event = WebhookPayload.receipt(receipt, receiptId: 7, sendId: 3, receivedAt: Date(timeIntervalSince1970: 0))
        let text = String(decoding: event.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"data":{"biz_id":"b1","final":true,"#))
        #expect(text.contains(#""out_id":null"#))
        #expect(text.contains(#""provider_text":"用户接收成功""#))
        #expect(text.hasSuffix(#""timestamp":"1970-01-01T00:00:00.000Z","type":"sms.receipt"}"#))
        #expect((event.sendId, event.receiptId) == (3, 7))
    }
}

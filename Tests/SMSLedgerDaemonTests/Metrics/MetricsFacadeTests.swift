import Foundation
import LedgerStore
import Prometheus
import SMSLedgerCore
@testable import SMSLedgerDaemon
import Testing

@Suite("Metrics facade: names, labels and what feeds them")
struct MetricsFacadeTests {
    func text(_ metrics: LedgerMetrics) -> String { String(decoding: metrics.exposition(), as: UTF8.self) }

    @Test func aQueueCountsItsCommitsUnderItsQueueAndChannel() {
        let metrics = LedgerMetrics()
        let queue = metrics.queue("SmsReport", channel: "mns")
        #expect(metrics.queue("SmsReport", channel: "mns") === queue, "made once, reused")
        queue.received.increment(by: Int64(5))
        queue.committed(stored: 3, duplicate: 1, quarantined: 1)
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_messages_received_total{queue="SmsReport",channel="mns"} 5"#))
        #expect(exposition.contains(#"smsledger_messages_stored_total{queue="SmsReport",channel="mns"} 3"#))
        #expect(exposition.contains(#"smsledger_messages_duplicate_total{queue="SmsReport",channel="mns"} 1"#))
        #expect(exposition.contains(#"smsledger_messages_quarantined_total{queue="SmsReport",channel="mns"} 1"#))
    }

    @Test func webhookAttemptsAreCountedPerEndpointAndOutcomeThroughTheHealthRecord() {
        let metrics = LedgerMetrics()
        let health = WebhookHealth(endpoints: ["orders", "crm"], observer: metrics.webhooks(endpoints: ["orders", "crm"]))
        let ok = WebhookAttemptResult.accepted(status: 204)
        health.record(endpoint: "orders", result: ok, decision: .delivered, lag: .milliseconds(30))
        health.record(endpoint: "orders", result: .rejected(status: 500), decision: .retry(after: .seconds(5)), lag: .seconds(1))
        health.record(endpoint: "crm", result: .gone, decision: .disableEndpoint, lag: .seconds(1))
        health.record(endpoint: "crm", result: .unreachable("timed out"), decision: .dead, lag: .seconds(9))
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_webhook_deliveries_total{endpoint="orders",outcome="delivered"} 1"#))
        #expect(exposition.contains(#"smsledger_webhook_deliveries_total{endpoint="orders",outcome="retry"} 1"#))
        #expect(exposition.contains(#"smsledger_webhook_deliveries_total{endpoint="orders",outcome="dead"} 0"#),
                "made at start, so an idle outcome shows 0")
        #expect(exposition.contains(#"smsledger_webhook_deliveries_total{endpoint="crm",outcome="disabled"} 1"#))
        #expect(exposition.contains(#"smsledger_webhook_deliveries_total{endpoint="crm",outcome="dead"} 1"#))
        #expect(exposition.contains(#"smsledger_webhook_delivery_lag_seconds_bucket{endpoint="orders",le="0.05"} 1"#))
        #expect(exposition.contains(#"smsledger_webhook_delivery_lag_seconds_count{endpoint="crm"} 0"#),
                "only deliveries have a lag")
        #expect(health.endpoint("orders")?.delivered == 1, "the health counts are kept as before")
    }

    @Test func groupCommitsAreHistogramsOfDurationAndSize() {
        let metrics = LedgerMetrics()
        metrics.committed(batches: 3, duration: .milliseconds(4))
        metrics.commitFailed(batches: 2)
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_commit_duration_seconds_bucket{le="0.005"} 1"#))
        #expect(exposition.contains(#"smsledger_group_commit_batches_bucket{le="4.0"} 1"#)
                || exposition.contains(#"smsledger_group_commit_batches_bucket{le="4"} 1"#))
        #expect(exposition.contains("smsledger_commit_failures_total 2"))
    }

    @Test func alibabaCallsAreCountedByOperationAndOutcomeAndTokenFetchesAsRefreshes() {
        let metrics = LedgerMetrics()
        metrics.called(.mns, operation: "BatchReceiveMessage", outcome: .ok)
        metrics.called(.mns, operation: "BatchReceiveMessage", outcome: .throttled)
        metrics.called(.rpc, operation: "QueryTokenForMnsQueue", outcome: .ok)
        metrics.called(.rpc, operation: "QueryTokenForMnsQueue", outcome: .network)
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_mns_requests_total{operation="BatchReceiveMessage",outcome="throttled"} 1"#))
        #expect(exposition.contains(#"smsledger_rpc_requests_total{operation="QueryTokenForMnsQueue",outcome="ok"} 1"#))
        #expect(exposition.contains(#"smsledger_token_refreshes_total{outcome="ok"} 1"#))
        #expect(exposition.contains(#"smsledger_token_refreshes_total{outcome="failed"} 1"#))
    }

    @Test func sendsByStateAreGaugesThatDropToZeroWhenAStateEmpties() {
        let metrics = LedgerMetrics()
        metrics.setSends(["pending": 4, "delivered": 10])
        metrics.setSends(["delivered": 14])
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_sends{state="delivered"} 14"#))
        #expect(exposition.contains(#"smsledger_sends{state="pending"} 0"#))
    }

    @Test func compensationCountsTheGrowthOfItsHealthCounters() {
        let metrics = LedgerMetrics()
        let health = CompensationHealth(qps: 10, metrics: metrics.compensation)
        health.update { s in
            s.answered += 3
            s.throttled += 1
        }
        health.update { $0.transientFailures += 2 }
        health.update { $0.lastFailure = "nothing counted" }
        let exposition = text(metrics)
        #expect(exposition.contains(#"smsledger_compensation_checks_total{outcome="answered"} 3"#))
        #expect(exposition.contains(#"smsledger_compensation_checks_total{outcome="throttled"} 1"#))
        #expect(exposition.contains(#"smsledger_compensation_checks_total{outcome="failed"} 2"#))
        #expect(exposition.contains("smsledger_compensation_settled_total 0"))
    }

    @Test func callbackOutcomesFollowTheStatusTheEndpointAnswered() {
        #expect(CallbackOutcome(route: "telesign_callback", status: 200) == .accepted)
        #expect(CallbackOutcome(route: "telesign_callback", status: 202) == .quarantined)
        #expect(CallbackOutcome(route: "telesign_callback", status: 401) == .unauthorized)
        #expect(CallbackOutcome(route: "telesign_callback", status: 413) == .tooLarge)
        #expect(CallbackOutcome(route: "alibaba_push", status: 400) == .quarantined)
        #expect(CallbackOutcome(route: "alibaba_push", status: 403) == .forbidden)
        #expect(CallbackOutcome(route: "alibaba_push", status: 503) == .unavailable)
        #expect(CallbackOutcome(route: "sends", status: 200) == nil, "not a callback")
    }

    @Test func metricsIsARouteOnlyWhenServedOnTheListener() {
        #expect(ListenerRoute.resolve(method: "GET", path: "/metrics", callbackPath: "/cb", servesMetrics: true) == .metrics)
        #expect(ListenerRoute.resolve(method: "POST", path: "/metrics", callbackPath: "/cb", servesMetrics: true)
                == .methodNotAllowed(allow: "GET"))
        #expect(ListenerRoute.resolve(method: "GET", path: "/metrics", callbackPath: "/cb") == .notFound)
    }
}

@Suite("Queue watch: one journal line per change of a queue's silence")
struct QueueWatchTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aSilentReceiptQueueIsReportedOnceAndItsRecoveryOnce() {
        var watch = QueueWatch(since: start)
        let gauges = LedgerGauges(lastSendAt: start + 100)
        let seen: [MessageKind: Date?] = [.smsReport: nil, .smsUp: nil]
        #expect(watch.assess(seen: seen, gauges: gauges, now: start + 60, silentAfter: 3600).isEmpty)
        let changes = watch.assess(seen: seen, gauges: gauges, now: start + 4000, silentAfter: 3600)
        #expect(changes.count == 1)
        guard case .becameSilent(.smsReport, let text)? = changes.first else {
            Issue.record("expected SmsReport to become silent, got \(changes)")
            return
        }
        #expect(text.contains("SMS console"))
        #expect(watch.statusFragment?.contains("SmsReport SILENT for 1h06m") == true)
        #expect(watch.assess(seen: seen, gauges: gauges, now: start + 5000, silentAfter: 3600).isEmpty, "once only")
        let delivered: [MessageKind: Date?] = [.smsReport: start + 5100, .smsUp: nil]
        #expect(watch.assess(seen: delivered, gauges: gauges, now: start + 5200, silentAfter: 3600) == [.recovered(.smsReport)])
        #expect(watch.statusFragment == nil)
    }

    @Test func repliesAreNeverJudgedAgainstSends() {
        var watch = QueueWatch(since: start)
        let changes = watch.assess(seen: [.smsUp: nil], gauges: LedgerGauges(lastSendAt: start + 10),
                                   now: start + 100_000, silentAfter: 3600)
        #expect(changes.isEmpty)
        #expect(watch.statusFragment == nil)
    }

    @Test func theLedgersNewestReceiptStandsInForTheLastMessageAtStart() {
        var watch = QueueWatch(since: start)
        let gauges = LedgerGauges(lastReceiptAt: start - 7200, lastSendAt: start - 60)
        let changes = watch.assess(seen: [.smsReport: nil], gauges: gauges, now: start + 10, silentAfter: 3600)
        #expect(changes.count == 1, "silent since the ledger's newest receipt, two hours before the start")
    }
}

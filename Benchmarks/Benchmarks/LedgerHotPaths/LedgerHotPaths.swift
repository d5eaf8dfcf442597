import AlibabaCloud
import Benchmark
import Foundation
import LedgerStore
import SMSLedgerCore

/// SMSLedger's hot paths, one message (or one batch) per iteration. Divide `mallocCountTotal` of the
/// batch benchmarks by 16 for allocations per message.
///
/// Needs the root package to export its modules (see `rootExportsModules` in Package.swift).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2), maxIterations: 200_000)

    Benchmark("normalise one SmsReport message") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MNSBodyNormaliser.normalise(body: HotPathSamples.reportBody, queueKind: .smsReport))
        }
    }
    Benchmark("normalise one SmsUp message") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MNSBodyNormaliser.normalise(body: HotPathSamples.replyBody, queueKind: .smsUp))
        }
    }

    let date = MNSSignature.httpDate(Date())
    Benchmark("sign one MNS BatchReceiveMessage request") { benchmark in
        for _ in benchmark.scaledIterations {
            let text = MNSSignature.stringToSign(
                method: "GET", contentMD5: nil, contentType: nil, date: date,
                headers: [(name: "x-mns-version", value: "2015-06-06")],
                resource: "/queues/Alicom-Queue-1234567890123456-SmsReport/messages?numOfMessages=16&waitseconds=30")
            blackHole(MNSSignature.authorization(accessKeyId: "STS.benchmark", secret: "secret", stringToSign: text))
        }
    }
    Benchmark("MNS Date header for one request") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MNSSignature.httpDate(Date()))
        }
    }

    for synchronous in [SQLiteLedgerOptions.Synchronous.full, .normal] {
        Benchmark("commit a batch of 16 receipts, synchronous=\(synchronous.rawValue)",
                  configuration: .init(maxDuration: .seconds(3), maxIterations: 5_000)) { benchmark in
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("smsledger-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let store = try SQLiteLedgerStore(at: directory.appendingPathComponent("ledger.sqlite").path,
                                              options: SQLiteLedgerOptions(synchronous: synchronous))
            var next = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let batch = HotPathSamples.batch(startingAt: next)
                next += 16
                blackHole(try await store.commit(batch))
            }
            benchmark.stopMeasurement()
            await store.close()
        }
    }
}

enum HotPathSamples {
    static let reportBody = Data("""
        {"phone_number":"13800138000","send_time":"2024-03-05 14:07:08","report_time":"2024-03-05 14:07:12",\
        "success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1",\
        "biz_id":"800000000000000042^0","out_id":"order-42"}
        """.utf8).base64EncodedString()

    static let replyBody = Data("""
        {"dest_code":"1234","send_time":"2024-03-05 14:09:30","sequence_id":1234567890,\
        "phone_number":"13800138000","content":"退订"}
        """.utf8).base64EncodedString()

    /// 16 distinct receipts, normalised as a poller would, so every commit inserts 16 new rows.
    static func batch(startingAt first: Int) -> LedgerBatch {
        var batch = LedgerBatch()
        for index in first..<(first + 16) {
            let json = """
                {"phone_number":"138\(String(index % 100_000_000).leftPadded(8))","send_time":"2024-03-05 14:07:08",\
                "report_time":"2024-03-05 14:07:12","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功",\
                "sms_size":"1","biz_id":"\(800_000_000_000_000_000 + index)^0","out_id":"bench-\(index)"}
                """
            let body = Data(json.utf8).base64EncodedString()
            batch.append(MNSBodyNormaliser.normalise(body: body, queueKind: .smsReport), mnsMessageId: "bench-\(index)")
        }
        return batch
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

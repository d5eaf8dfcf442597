import Benchmark
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What the Foundation calls on SMSLedger's hot path cost, each next to the cheap way to do the same.
///
/// Self-contained on purpose (no project module), so it builds before the root package exports its
/// modules. Each pair answers one question the end-to-end figures raised:
/// - a `DateFormatter` built per request (`MNSSignature.httpDate`, once per MNS call) vs one reused;
/// - hex via `String(format:)` per byte (`MNSSignature.hexMD5`, once per message for its body MD5)
///   vs a lookup table;
/// - one receipt body: base64 + `JSONSerialization` (what the normalisers did until they got their own
///   byte-level parser, `JSONParser`) vs base64 + `JSONDecoder`;
/// - a 16-message BatchReceiveMessage answer through `XMLParser` (as `MNSXML.parse` did until it got
///   its own byte-level parser, here with a delegate that only collects element text) vs a plain byte
///   scan for the same fields.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2), maxIterations: 1_000_000)

    let now = Date(timeIntervalSince1970: 1_709_618_828)

    Benchmark("RFC 1123 date, DateFormatter built per call") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTTPDateText.formatterPerCall(now))
        }
    }
    Benchmark("RFC 1123 date, one DateFormatter reused") { benchmark in
        let formatter = HTTPDateText.makeFormatter()
        for _ in benchmark.scaledIterations {
            blackHole(formatter.string(from: now))
        }
    }
    Benchmark("RFC 1123 date, by hand from the epoch") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTTPDateText.byHand(now))
        }
    }

    let digest = (0..<16).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    Benchmark("hex of a 16-byte digest, String(format:) per byte") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(digest.map { String(format: "%02X", $0) }.joined())
        }
    }
    Benchmark("hex of a 16-byte digest, lookup table") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HexText.upper(digest))
        }
    }

    let body = ReceiptSample.base64Body
    Benchmark("SmsReport body, base64 + JSONSerialization") { benchmark in
        for _ in benchmark.scaledIterations {
            guard let data = Data(base64Encoded: body) else { continue }
            blackHole(try? JSONSerialization.jsonObject(with: data))
        }
    }
    Benchmark("SmsReport body, base64 + JSONDecoder") { benchmark in
        let decoder = JSONDecoder()
        for _ in benchmark.scaledIterations {
            guard let data = Data(base64Encoded: body) else { continue }
            blackHole(try? decoder.decode(ReceiptSample.Report.self, from: data))
        }
    }

    let answer = BatchReceiveSample.document
    Benchmark("16-message receive answer, XMLParser") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(BatchReceiveSample.parseWithXMLParser(answer))
        }
    }
    Benchmark("16-message receive answer, byte scan") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(BatchReceiveSample.scan(answer))
        }
    }
}

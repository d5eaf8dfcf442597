import AlibabaCloud
import Foundation
import SMSLedgerCore

/// Drains one message type's outbox to its URL, the way the SMS platform pushes: every flush
/// interval it gathers the due items into POSTs of at most `batchSize`, with at most `concurrency`
/// of them in flight, until it is cancelled.
///
/// It decides nothing itself: ``PushChannel`` hands it batches and takes back verdicts.
struct Pusher: Sendable {
    let kind: MessageKind
    let channel: PushChannel
    let transport: any HTTPTransport

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            while !Task.isCancelled {
                let settings = channel.settings
                // `inFlight` counts POSTs not yet reaped, never fewer than are really in flight.
                while inFlight >= max(1, settings.concurrency), await group.next() != nil { inFlight -= 1 }
                guard let batch = channel.takeBatch(kind) else {
                    do { try await Task.sleep(for: .milliseconds(max(1, settings.flushIntervalMillis))) } catch { break }
                    continue
                }
                group.addTask { await deliver(batch) }
                inFlight += 1
                // A full batch suggests more are due: gather the next one at once, not a flush later.
                if batch.items.count < settings.batchSize {
                    do { try await Task.sleep(for: .milliseconds(max(1, settings.flushIntervalMillis))) } catch { break }
                }
            }
            group.cancelAll()
        }
    }

    /// POSTs one batch and reports the verdict; a POST cut short by cancellation gets none.
    private func deliver(_ batch: PushChannel.Batch) async {
        let body = "[" + batch.items.map(\.text).joined(separator: ",") + "]"
        let request = TransportRequest(method: "POST", url: batch.url,
                                       headers: [(name: "Content-Type", value: "application/json; charset=utf-8")],
                                       body: Data(body.utf8))
        do {
            let response = try await transport.execute(request, timeout: .milliseconds(batch.timeoutMillis))
            channel.settle(batch, accepted: PushAnswer.isAccepted(status: response.status, body: response.body))
        } catch {
            if error is CancellationError || Task.isCancelled {
                channel.release(batch)
            } else {
                channel.settle(batch, accepted: false)  // refused, reset, or no answer in time
            }
        }
    }
}

/// The receiver's answer to a push, as the platform reads it.
enum PushAnswer {
    private struct Body: Decodable {
        let code: Int
    }

    /// Accepted only on HTTP 200 with a JSON object whose `code` is the number 0; any other status,
    /// code or body (`"0"`, an array, HTML from a proxy) means "push again later".
    static func isAccepted(status: Int, body: Data) -> Bool {
        guard status == 200, let answer = try? JSONDecoder().decode(Body.self, from: body) else { return false }
        return answer.code == 0
    }
}

import Parsers
import Foundation
import HTTPServing

/// The unsigned admin interface under `/_emulator/`, for demos, scripts and tests in other languages.
///
/// | request | effect |
/// |---|---|
/// | `GET /_emulator/queues` | depths: `[{"name","visible","inFlight","delayed"}]` |
/// | `POST /_emulator/queues/{name}/messages` | seed: a JSON array of strings (raw bodies), a JSON array of objects (each JSON-encoded, then base64), `{"count":N}` (generated mix), or any other body as one raw message |
/// | `GET`/`PUT /_emulator/faults` | read / replace ``EmulatorFaults`` (missing keys are 0) |
/// | `POST /_emulator/tokens/expire` | every issued token expires now |
/// | `GET /_emulator/tokens` | issued tokens |
/// | `PUT /_emulator/sms` | replace the SMS flow (``EmulatorConfiguration/SmsFlow``) |
/// | `POST /_emulator/smsup` | `{"phone_number","content","dest_code"?,"sequence_id"?,"sign_name"?}` into SmsUp |
/// | `GET /_emulator/sends` | ground truth of every SendSms |
/// | `GET /_emulator/queries` | QuerySendDetails calls by phone and send date: `[{"phoneNumber","sendDate","count","firstAtMillis","lastAtMillis"}]` |
/// | `GET /_emulator/push` | HTTP push channel: `{"settings":{PushSettings},"counters":{PushCounters},"countersByKind":{"SmsReport":..,"SmsUp":..}}` |
/// | `PUT /_emulator/push` | replace ``PushSettings`` (missing keys take the defaults; 400 for a non-http(s) URL, `batchSize` < 1, ...); answers as GET |
/// | `POST /_emulator/push/{SmsReport\|SmsUp}/items` | seed an outbox, due at once: a JSON array of strings (raw item texts, pushed verbatim), a JSON array of objects (each JSON-encoded), or `{"count":N,"failureShare":x,"internationalShare":y}`; answers `{"enqueued":N}` |
/// | `POST /_emulator/reset` | empty queues and push outboxes, forget sends, query counts, tokens, nonces; faults off; push settings back to the configuration's, push counters zero |
extension EmulatorCore {
    func handleAdmin(_ request: HTTPServerRequest) -> HTTPServerResponse {
        let parts = Array(request.path.split(separator: "/").map(String.init).dropFirst())
        if request.method == "POST", parts.count == 3, parts[0] == "queues", parts[2] == "messages" {
            return seed(queue: RequestTarget.percentDecode(parts[1], plusIsSpace: false), body: request.bodyData)
        }
        if let answer = handlePushAdmin(method: request.method, parts: parts, body: request.bodyData) { return answer }
        switch (request.method, parts.joined(separator: "/")) {
        case ("GET", "queues"):
            return Self.json(broker.depths())
        case ("GET", "faults"):
            return Self.json(faults.faults)
        case ("PUT", "faults"), ("POST", "faults"):
            guard let update = try? JSONDecoder().decode(EmulatorFaults.self, from: request.bodyData) else {
                return Self.adminError(400, "body must be a JSON object of EmulatorFaults fields")
            }
            faults.faults = update
            return Self.json(update)
        case ("POST", "tokens/expire"):
            tokens.expireAll(now: Date())
            return Self.json(["expired": tokens.all().count])
        case ("GET", "tokens"):
            return Self.json(tokens.all())
        case ("PUT", "sms"):
            guard let flow = try? JSONDecoder().decode(EmulatorConfiguration.SmsFlow.self, from: request.bodyData) else {
                return Self.adminError(400, "body must be {\"receiptDelay\",\"failureShare\",\"withholdShare\"}")
            }
            smsFlow.withLock { $0 = flow }
            return Self.json(flow)
        case ("POST", "smsup"):
            return injectReply(request.bodyData)
        case ("GET", "sends"):
            return Self.json(carrier.all())
        case ("GET", "queries"):
            return Self.json(sendDetailsQueries.all())
        case ("POST", "reset"):
            reset()
            return Self.json(["reset": true])
        default:
            return Self.adminError(404, "no admin endpoint \(request.method) \(request.path)")
        }
    }

    private func seed(queue: String, body: Data) -> HTTPServerResponse {
        guard broker.exists(queue) else { return Self.adminError(404, "queue \(queue) does not exist") }
        let bodies: [String]
        let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        if let strings = parsed as? [String] {
            bodies = strings
        } else if let objects = parsed as? [[String: Any]] {
            bodies = objects.compactMap { object in
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
                    .map { $0.base64EncodedString() }
            }
        } else if let request = parsed as? [String: Any], let count = request["count"] as? Int, count >= 0 {
            var random = makeGenerator()
            let failureShare = (request["failureShare"] as? Double) ?? smsFlow.withLock { $0.failureShare }
            bodies = AlicomBodies.generated(count: count, smsUp: queue == configuration.smsUpQueue,
                                            failureShare: failureShare, random: &random, now: Date().epochMillis)
        } else {
            bodies = [String(decoding: body, as: UTF8.self)]
        }
        let stored = enqueue(queue: queue, bodies: bodies) ?? []
        return Self.json(["enqueued": stored.count])
    }

    private func injectReply(_ body: Data) -> HTTPServerResponse {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
              let phone = object["phone_number"] as? String, let content = object["content"] as? String else {
            return Self.adminError(400, "body must be {\"phone_number\",\"content\",...}")
        }
        let sequence = (object["sequence_id"] as? NSNumber)?.int64Value
        let id = injectSmsUp(phone: phone, content: content, destCode: (object["dest_code"] as? String) ?? "1234",
                             sequenceId: sequence, signName: object["sign_name"] as? String)
        return Self.json(["messageId": id ?? ""])
    }

    static func json(_ value: some Encodable) -> HTTPServerResponse {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // push URLs stay readable
        guard let data = try? encoder.encode(value) else { return adminError(500, "could not encode the answer") }
        return HTTPServerResponse(status: 200, headers: HTTPHeaderFields([("Content-Type", "application/json")]),
                                  body: data)
    }

    static func adminError(_ status: Int, _ message: String) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: HTTPHeaderFields([("Content-Type", "application/json")]),
                           body: "{\"error\":\(JSONText.quote(message))}")
    }
}

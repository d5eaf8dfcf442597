import Foundation
import HTTPServing
import SMSLedgerCore

/// The admin endpoints of the HTTP push channel (listed in the table in `AdminAPI.swift`).
extension EmulatorCore {
    /// The push settings with the counters, emulator-wide and per message type.
    private struct PushStatus: Encodable {
        let settings: PushSettings
        let counters: PushCounters
        let countersByKind: [String: PushCounters]
    }

    /// Answers `/_emulator/push...`, or `nil` when the request is not one of them.
    func handlePushAdmin(method: String, parts: [String], body: Data) -> HTTPServerResponse? {
        guard parts.first == "push" else { return nil }
        switch (method, parts.count) {
        case ("GET", 1):
            return Self.json(pushStatus())
        case ("PUT", 1), ("POST", 1):
            guard let settings = try? JSONDecoder().decode(PushSettings.self, from: body) else {
                return Self.adminError(400, "body must be a JSON object of PushSettings fields")
            }
            if let problem = settings.problem { return Self.adminError(400, problem) }
            push.apply(settings)
            return Self.json(pushStatus())
        case ("POST", 3) where parts[2] == "items":
            guard let kind = MessageKind(rawValue: parts[1]) else {
                return Self.adminError(404, "no message type \(parts[1]); use SmsReport or SmsUp")
            }
            return seedPush(kind: kind, body: body)
        default:
            return Self.adminError(404, "no admin endpoint \(method) /_emulator/\(parts.joined(separator: "/"))")
        }
    }

    private func pushStatus() -> PushStatus {
        let byKind = Dictionary(uniqueKeysWithValues: MessageKind.allCases.map { ($0.rawValue, push.counters($0)) })
        return PushStatus(settings: push.settings, counters: byKind.values.reduce(PushCounters(), +),
                          countersByKind: byKind)
    }

    /// Seeds an outbox: a JSON array of strings (raw item texts, verbatim), a JSON array of objects
    /// (each JSON-encoded), or `{"count":N,"failureShare":x,"internationalShare":y}` (generated).
    private func seedPush(kind: MessageKind, body: Data) -> HTTPServerResponse {
        let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        if let strings = parsed as? [String] {
            return Self.json(["enqueued": push.add(kind, strings.map { ($0, 0) }).count])
        }
        if let objects = parsed as? [[String: Any]] {
            let texts = objects.compactMap { object in
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
                    .map { String(decoding: $0, as: UTF8.self) }
            }
            return Self.json(["enqueued": push.add(kind, texts.map { ($0, 0) }).count])
        }
        if let request = parsed as? [String: Any], let count = request["count"] as? Int, count >= 0 {
            let failureShare = (request["failureShare"] as? Double) ?? smsFlow.withLock { $0.failureShare }
            let internationalShare = (request["internationalShare"] as? Double) ?? 0
            return Self.json(["enqueued": enqueueGeneratedPush(kind: kind, count: count, failureShare: failureShare,
                                                               internationalShare: internationalShare)])
        }
        return Self.adminError(400, "body must be a JSON array of strings or objects, or {\"count\":N,...}")
    }
}

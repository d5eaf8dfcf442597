import Parsers
import AlibabaCloud
import Foundation
import HTTPServing

/// The MNS queue operations on `/queues/<name>/messages`, after authentication.
extension EmulatorCore {
    func handleMNS(_ request: HTTPServerRequest) async -> HTTPServerResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 4, segments[1] == "queues", segments[3] == "messages", !segments[2].isEmpty else {
            return mnsError(.invalidArgument("This emulator serves /queues/<name>/messages only."), request: request)
        }
        let queue = String(segments[2])
        do {
            try authenticateMNS(request, queue: queue)
            // Names are case-sensitive (`waitseconds`, `numOfMessages`, `ReceiptHandle`); a `+` stays a plus.
            var query: [String: String] = [:]
            for (name, value) in RequestTarget.parameters(request.query ?? "", plusIsSpace: false) { query[name] = value }
            switch request.method {
            case "GET": return try await receive(queue: queue, query: query)
            case "DELETE":
                if let handle = query["ReceiptHandle"] { return try deleteOne(queue: queue, handle: handle) }
                return try deleteBatch(queue: queue, body: request.bodyData)
            case "PUT": return try changeVisibility(queue: queue, query: query)
            case "POST": return try send(queue: queue, body: request.bodyData)
            default: throw MNSFailure.invalidArgument("Unsupported method \(request.method).")
            }
        } catch let failure as MNSFailure {
            return mnsError(failure, request: request)
        } catch {
            return mnsError(MNSFailure(status: 500, code: "InternalError", message: "\(error)"), request: request)
        }
    }

    /// ReceiveMessage (no `numOfMessages`) or BatchReceiveMessage, long-polling up to `waitseconds`.
    private func receive(queue: String, query: [String: String]) async throws -> HTTPServerResponse {
        let isBatch = query["numOfMessages"] != nil
        var count = 1
        if let text = query["numOfMessages"] {
            guard let number = Int(text), (1...16).contains(number) else {
                throw MNSFailure.invalidArgument("The value of numOfMessages should between 1 and 16.")
            }
            count = number
        }
        let wait = query["waitseconds"].map { Int($0) } ?? configuration.pollingWaitSeconds
        guard let waitSeconds = wait, (0...30).contains(waitSeconds) else {
            throw MNSFailure.invalidArgument("The value of waitseconds should between 0 and 30.")
        }
        if faults.drawMessageNotExist() { throw MNSFailure.messageNotExist }
        let outcome = await broker.receive(queue: queue, max: count, waitSeconds: waitSeconds,
                                           visibilityMillis: EpochMillis(configuration.visibilityTimeout * 1000))
        switch outcome {
        case .messages(let messages) where !messages.isEmpty:
            let damage = faults.drawDamage(messageIds: messages.map(\.id))
            return Self.mnsOK(status: 200, xml: isBatch ? MNSXML.messages(messages, damage: damage)
                                                        : MNSXML.message(messages[0], damage: damage.first ?? MessageDamage.none))
        case .messages, .empty: throw MNSFailure.messageNotExist
        case .queueNotFound: throw MNSFailure.queueNotExist
        }
    }

    private func deleteOne(queue: String, handle: String) throws -> HTTPServerResponse {
        guard !handle.isEmpty else {
            throw MNSFailure(status: 400, code: "MissingReceiptHandle", message: "ReceiptHandle is missing.")
        }
        switch delete(queue: queue, handle: handle) {
        case .done: return Self.mnsOK(status: 204, xml: nil)
        case .stale: throw MNSFailure.messageNotExist
        case .malformed: throw MNSFailure.receiptHandleError
        }
    }

    /// BatchDeleteMessage: 204 when every handle worked, else 404 listing only the failed handles.
    private func deleteBatch(queue: String, body: Data) throws -> HTTPServerResponse {
        guard let root = RequestXML.parse(body), root.name == "ReceiptHandles" else { throw MNSFailure.malformedXML }
        let handles = root.children(named: "ReceiptHandle").map { $0.text.trimmingWhitespaceAndNewlines() }
        guard (1...16).contains(handles.count) else {
            throw MNSFailure.invalidArgument("A batch holds 1 to 16 receipt handles.")
        }
        let failures = handles.compactMap { handle -> (handle: String, code: String, message: String)? in
            if case .done = delete(queue: queue, handle: handle) { return nil }
            return (handle, MNSFailure.receiptHandleError.code, MNSFailure.receiptHandleError.message)
        }
        guard !failures.isEmpty else { return Self.mnsOK(status: 204, xml: nil) }
        return Self.mnsOK(status: 404, xml: MNSXML.deleteErrors(failures))
    }

    /// Deletes one handle; a duplicate-delivery fault puts the message straight back, once.
    private func delete(queue: String, handle: String) -> MessageQueue.HandleOutcome {
        let duplicate = faults.drawDuplicateDelivery()
        return broker.mutate(queue) { messages, now in
            let outcome = messages.delete(handle: handle, now: now)
            if duplicate, case .done(let message) = outcome, !message.redelivered { messages.redeliver(message) }
            return outcome
        } ?? .stale
    }

    private func changeVisibility(queue: String, query: [String: String]) throws -> HTTPServerResponse {
        guard let handle = query["ReceiptHandle"], !handle.isEmpty else {
            throw MNSFailure(status: 400, code: "MissingReceiptHandle", message: "ReceiptHandle is missing.")
        }
        guard let timeoutText = query["VisibilityTimeout"] else {
            throw MNSFailure(status: 400, code: "MissingVisibilityTimeout", message: "VisibilityTimeout is missing.")
        }
        guard let timeout = Int(timeoutText), (0...43_200).contains(timeout) else {
            throw MNSFailure.invalidArgument("The value of VisibilityTimeout should between 0 and 43200.")
        }
        let outcome = broker.mutate(queue) { messages, now in
            messages.changeVisibility(handle: handle, timeoutMillis: EpochMillis(timeout) * 1000, now: now)
        } ?? .stale
        switch outcome {
        case .done(let message): return Self.mnsOK(status: 200, xml: MNSXML.changedVisibility(message))
        case .stale: throw MNSFailure.messageNotExist
        case .malformed: throw MNSFailure.receiptHandleError
        }
    }

    /// SendMessage (`<Message>`) or BatchSendMessage (`<Messages>`), so any client can fill a queue.
    private func send(queue: String, body: Data) throws -> HTTPServerResponse {
        guard let root = RequestXML.parse(body) else { throw MNSFailure.malformedXML }
        let items: [MNSXMLElement]
        switch root.name {
        case "Message": items = [root]
        case "Messages": items = root.children(named: "Message")
        default: throw MNSFailure.malformedXML
        }
        guard (1...16).contains(items.count) else { throw MNSFailure.invalidArgument("A batch holds 1 to 16 messages.") }
        let drafts = try items.map { item -> (body: String, delay: EpochMillis, priority: Int) in
            guard let text = item.childText("MessageBody"), !text.isEmpty else {
                throw MNSFailure.invalidArgument("MessageBody is missing.")
            }
            guard let delay = Int(item.childText("DelaySeconds") ?? "0"), (0...604_800).contains(delay),
                  let priority = Int(item.childText("Priority") ?? "8"), (1...16).contains(priority) else {
                throw MNSFailure.invalidArgument("DelaySeconds must be 0-604800 and Priority 1-16.")
            }
            return (text, EpochMillis(delay) * 1000, priority)
        }
        let stored = broker.mutate(queue) { messages, now in
            drafts.map { messages.enqueue(body: $0.body, delayMillis: $0.delay, priority: $0.priority, now: now) }
        } ?? []
        let xml = root.name == "Message" ? stored.first.map(MNSXML.sent) : MNSXML.sentBatch(stored)
        return Self.mnsOK(status: 201, xml: xml)
    }
}

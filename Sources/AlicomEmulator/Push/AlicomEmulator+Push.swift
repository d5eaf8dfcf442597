import Foundation
import SMSLedgerCore

/// The HTTP batch push channel ("HTTP批量推送") from Swift: settings, counters and seeding.
///
/// While a message type has a push URL, its receipts (SendSms) and replies (``injectReply``) are
/// POSTed there as JSON arrays instead of entering the MNS queue; see ``PushSettings``.
extension AlicomEmulator {
    /// The push settings in force.
    public var push: PushSettings { core.push.settings }

    /// Replaces the push settings. Pushers start for types that gained a URL and stop for types that
    /// lost one; items already waiting stay in their outbox either way.
    public func setPush(_ settings: PushSettings) {
        core.push.apply(settings)
    }

    /// Counters of both message types summed; ``pushCounters(for:)`` has them per type.
    public func pushCounters() -> PushCounters {
        MessageKind.allCases.map { core.push.counters($0) }.reduce(PushCounters(), +)
    }

    public func pushCounters(for kind: MessageKind) -> PushCounters {
        core.push.counters(kind)
    }

    /// Adds items to a type's outbox, due at once. Each string is one item's JSON text and is pushed
    /// verbatim, so malformed items (`{"phone_number":`, `"not an object"`) reach the receiver as they
    /// are. Without a URL for the type the items wait until one is set.
    public func enqueuePushItems(kind: MessageKind, rawItems: [String]) {
        core.push.add(kind, rawItems.map { ($0, 0) })
    }

    /// Adds `count` generated items, due at once: receipts (mostly delivered, `failureShare` failed,
    /// `internationalShare` in the international shape) or replies. Returns how many were added.
    @discardableResult
    public func enqueueGeneratedPush(kind: MessageKind, count: Int, failureShare: Double = 0.1,
                                     internationalShare: Double = 0) -> Int {
        core.enqueueGeneratedPush(kind: kind, count: count, failureShare: failureShare,
                                  internationalShare: internationalShare)
    }
}

extension EmulatorCore {
    func enqueueGeneratedPush(kind: MessageKind, count: Int, failureShare: Double, internationalShare: Double) -> Int {
        var random = makeGenerator()
        let items = PushItems.generated(kind: kind, count: max(0, count), failureShare: failureShare,
                                        internationalShare: internationalShare, random: &random, now: Date().epochMillis)
        return push.add(kind, items.map { ($0, 0) }).count
    }
}

import Foundation

/// Whether a receipt queue has gone quiet when it should not have. Pure, so the rule is tested
/// without clocks or queues.
///
/// Alibaba reclaims a receipt queue that sees no sends for months, and a queue that was reclaimed,
/// renamed or unsubscribed in the console fails silently: the poller's long polls just come back
/// empty. The symptom an operator can see is receipts *not* flowing while sends *are* being made,
/// so that is the rule:
///
/// | queue silent longer than `silentAfter` | a send recorded after the queue's last message | verdict   |
/// |----------------------------------------|-----------------------------------------------|-----------|
/// | no                                     | —                                             | `flowing` |
/// | yes                                    | no                                            | `idle`    |
/// | yes                                    | yes                                           | `silent`  |
///
/// "Silent since" is the queue's last message, or when watching began if it never delivered one.
/// A queue that is idle because nothing is being sent is not a problem and is not reported.
public enum QueueDormancy: Equatable, Sendable {
    case flowing
    /// Quiet, but nothing was sent that would make a receipt due.
    case idle(silence: TimeInterval)
    /// Quiet for `silence` seconds although sends were recorded since; the newest `lastSendAge` ago.
    case silent(silence: TimeInterval, lastSendAge: TimeInterval)

    public static func assess(lastMessageAt: Date?, watchingSince: Date, lastSendAt: Date?, now: Date,
                              silentAfter: TimeInterval) -> QueueDormancy {
        let since = lastMessageAt ?? watchingSince
        let silence = max(0, now.timeIntervalSince(since))
        guard silence > silentAfter else { return .flowing }
        guard let lastSendAt, lastSendAt > since else { return .idle(silence: silence) }
        return .silent(silence: silence, lastSendAge: max(0, now.timeIntervalSince(lastSendAt)))
    }

    public var isSilent: Bool {
        if case .silent = self { return true }
        return false
    }

    /// `1h05m`, `2d3h`, `45s`: short enough for a status line.
    public static func describe(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded(.down))
        let (days, hours, minutes) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60)
        if days > 0 { return "\(days)d\(hours)h" }
        if hours > 0 { return "\(hours)h\(String(format: "%02d", minutes))m" }
        if minutes > 0 { return "\(minutes)m" }
        return "\(total)s"
    }
}

/// The one-line health summary sent as `STATUS=` (shown by `systemctl status`).
public enum DaemonStatus {
    /// e.g. `SmsReport: 1200 stored, 3 dup, 0 quarantined | SmsUp: 40 stored | last error: …`.
    public static func line(_ pollers: [PollerHealth.Snapshot]) -> String {
        var byQueue: [(String, PollerHealth.Snapshot)] = []
        for snapshot in pollers {
            if let index = byQueue.firstIndex(where: { $0.0 == snapshot.queue }) {
                byQueue[index].1.stored += snapshot.stored
                byQueue[index].1.duplicates += snapshot.duplicates
                byQueue[index].1.quarantined += snapshot.quarantined
                byQueue[index].1.deleteFailures += snapshot.deleteFailures
            } else {
                byQueue.append((snapshot.queue, snapshot))
            }
        }
        var parts = byQueue.map { queue, s in
            "\(shortName(queue)): \(s.stored) stored, \(s.duplicates) dup, \(s.quarantined) quarantined"
        }
        if parts.isEmpty { parts = ["no queues enabled"] }
        if let failing = pollers.first(where: { $0.lastFailure != nil }), let failure = failing.lastFailure {
            parts.append("last error (\(shortName(failing.queue))): \(failure)")
        }
        return parts.joined(separator: " | ")
    }

    /// `Alicom-Queue-123-SmsReport` → `SmsReport`: the account id is noise in a status line.
    static func shortName(_ queue: String) -> String {
        queue.split(separator: "-").last.map(String.init) ?? queue
    }
}

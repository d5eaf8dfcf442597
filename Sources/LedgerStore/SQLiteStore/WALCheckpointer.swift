import Foundation

/// Copies the ledger's WAL into the database file on a connection and thread of its own, so the
/// writer's commits (and the pollers waiting on them) never pay for it.
///
/// Left to itself, SQLite checkpoints inside the commit that pushes the WAL past 1,000 pages: that
/// commit then also writes every page changed since the last checkpoint into the database file and
/// fsyncs it. Profiling the daemon while it drained a queue put a third of the writer thread's time in
/// such writes. Here the writer's WAL hook only notes the WAL's size; once it passes
/// ``Thresholds/background`` a PASSIVE checkpoint runs on the checkpointer's own connection, which
/// neither blocks the writer nor waits for readers. Checkpointing less often (4,000 pages rather than
/// 1,000) also means a page changed by many commits is copied once instead of several times.
///
/// The WAL only starts over (and stops growing) once everything in it has been copied, and a passive
/// checkpoint running beside a busy writer never catches up by itself: the writer appends while it
/// copies. So each background checkpoint records how far it got, and when what is left is small
/// (``Thresholds/finishInline`` pages) the writer copies that remainder itself, between two commits;
/// the next commit then starts the WAL from the beginning. If the WAL still reaches
/// ``Thresholds/inline`` (a reader holding an old snapshot for a long time, a very slow disk), the
/// writer checkpoints inline whatever the remainder, as SQLite would, which bounds the WAL file.
/// A failed checkpoint loses nothing: the frames stay in the WAL, durable and readable, and the next
/// commit tries again.
///
/// `@unchecked Sendable`: `scheduled` and `copied` are guarded by `lock`; the connection is confined
/// to `queue`.
final class WALCheckpointer: @unchecked Sendable {
    struct Thresholds: Sendable {
        /// WAL pages after which a background checkpoint starts (4,000 pages of 4 KiB: 16 MiB).
        var background = 4_000
        /// Pages left uncopied below which the writer finishes the checkpoint itself.
        var finishInline = 512
        /// WAL pages after which the writer checkpoints inline, whatever is left.
        var inline = 20_000

        /// Whether the writer, after a commit that left `frames` pages in the WAL, copies them itself:
        /// always past ``inline``; past ``background`` when what the last background checkpoint left
        /// uncopied is small, unless the commit asked to leave that to the background.
        func writerCheckpoints(frames: Int, copied: Int, finishDeferred: Bool) -> Bool {
            if frames >= inline { return true }
            return frames >= background && !finishDeferred && frames - copied <= finishInline
        }
    }

    let thresholds: Thresholds
    private let queue: ConnectionQueue
    private let lock = NSLock()
    private var scheduled = false
    /// How many WAL frames the last background checkpoint had copied (0 after the WAL restarts).
    private var copied = 0
    /// Set by ``deferringFinish(_:)`` while a prune batch runs on the writer.
    private var finishDeferred = false

    /// `connection` is the checkpointer's own read-write connection to the ledger. It must run with the
    /// writer's `synchronous` setting: a checkpoint that did not fsync the database file before the WAL
    /// starts over could lose committed pages on power loss.
    init(connection: SQLiteConnection, thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
        self.queue = ConnectionQueue(label: "smsledger.ledger.checkpointer", connection: connection)
    }

    /// Called by the writer's WAL hook, on the writer's thread, after each commit; `frames` is the
    /// WAL's length in pages.
    func walCommitted(frames: Int, writer: SQLiteConnection) {
        guard frames >= thresholds.background else {
            // Below the threshold only right after a restart: earlier progress no longer applies.
            lock.withLock { copied = 0 }
            return
        }
        let (start, copiedSoFar, deferred) = lock.withLock { () -> (Bool, Int, Bool) in
            defer { scheduled = true }
            return (!scheduled, copied, finishDeferred)
        }
        if thresholds.writerCheckpoints(frames: frames, copied: copiedSoFar, finishDeferred: deferred) {
            _ = try? writer.checkpointPassive()
        }
        guard start else { return }
        queue.submit { connection in
            let result = try? connection?.checkpointPassive()
            self.lock.withLock {
                self.scheduled = false
                if let result { self.copied = result.copied }
            }
        }
    }

    /// Runs `body`, a transaction on the writer, with the writer's finishing of a checkpoint left to the
    /// background, so that its commit does not also copy the WAL's remainder and fsync the database file
    /// (10-60 ms on this disk; the longest prune batches at ten million rows were such commits:
    /// Benchmarks/README.md, "Growth"). Only the pruner asks for this: it commits between the writer's
    /// group commits, and a commit waiting behind it should wait for the batch, not for the checkpoint.
    /// The hard ``Thresholds/inline`` bound still applies, and the pruner's next batch starts after the
    /// background checkpoint had the writer's idle moment to finish, so the WAL still starts over.
    /// Call it on the writer's queue only.
    func deferringFinish<T>(_ body: () throws -> T) rethrows -> T {
        lock.withLock { finishDeferred = true }
        defer { lock.withLock { finishDeferred = false } }
        return try body()
    }

    /// Closes the checkpointer's connection after any checkpoint in progress.
    func close() async {
        await queue.close()
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way photos enter the daemon: sources and the router submit jobs here, and the
/// pipeline's worker takes them from the queue.
struct PhotoIntake: Sendable {
    let queue: JobQueue
    let journal: Journal
    let events: EventHub

    /// Queues a job (client requests are bounded by `max_queue`, files are not).
    func submit(_ job: PhotoJob) -> SubmitResult {
        queue.add(job)
    }

    /// A file a folder source found: dropped here when it is not a regular file or the journal
    /// already has a result for it, so a rescan of a full folder costs no queue entries.
    func fileFound(_ path: String) {
        var st = stat()
        guard FileName.withCPath(path, { lstat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return }
        if let r = journal.record(for: PhotoIdentity(path: path, stat: st)), r.state != .claimed { return }
        _ = queue.add(PhotoJob(input: .file(path: path))) {
            logDebug("watcher", "queued photo", ["path": path])
            events.emit(.photoQueued, photo: FileName.display((path as NSString).lastPathComponent), path: path)
        }
    }
}

import Foundation
import IPC
import Vision

/// A caption request that came over the socket, with the way to answer it.
struct SocketJob: Sendable {
    var data: Data
    var name: String
    var speak: Bool
    var overrides: GenerationOverrides
    var reply: @Sendable (ResponseBody) -> Void
}

/// One unit of work for the single inference worker.
enum Job: Sendable {
    case photo(path: String)
    case request(SocketJob)
}

/// The daemon's one queue: folder photos and socket requests in arrival order, taken by one
/// worker so exactly one inference runs at a time.
///
/// Socket requests are bounded (`maxRequests`, then the caller answers `busy`). Folder photos are
/// deduplicated by path; their number is bounded by the folder itself, and they must not be
/// dropped (the journal has not recorded them yet).
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var pendingPaths = Set<String>()
    private var pendingRequests = 0
    private var closed = false
    private var working = false
    var maxRequests: Int

    init(maxRequests: Int) {
        self.maxRequests = maxRequests
    }

    /// Queues a folder photo unless it is already waiting; returns whether it was added.
    @discardableResult
    func addPhoto(_ path: String) -> Bool {
        condition.withLock {
            guard !closed, !pendingPaths.contains(path) else { return false }
            pendingPaths.insert(path)
            jobs.append(.photo(path: path))
            condition.signal()
            return true
        }
    }

    /// Queues a socket request; false when the queue is full or closed.
    func addRequest(_ job: SocketJob) -> Bool {
        condition.withLock {
            guard !closed, pendingRequests < maxRequests else { return false }
            pendingRequests += 1
            jobs.append(.request(job))
            condition.signal()
            return true
        }
    }

    /// Waiting jobs plus the one being worked on.
    var count: Int {
        condition.withLock { jobs.count - head + (working ? 1 : 0) }
    }

    /// Blocks until a job is available; nil once the queue is closed.
    func next() -> Job? {
        condition.withLock {
            working = false
            while head == jobs.count && !closed { condition.wait() }
            if closed { return nil }
            let job = jobs[head]
            head += 1
            if head > 1024 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            switch job {
            case .photo(let p): pendingPaths.remove(p)
            case .request: pendingRequests -= 1
            }
            working = true
            return job
        }
    }

    /// Stops handing out jobs and returns the socket requests that were still waiting, so they
    /// can be answered `shutting_down`. Waiting photos need nothing: they are not in the journal
    /// yet, so the next start finds them.
    func close() -> [SocketJob] {
        condition.withLock {
            closed = true
            condition.broadcast()
            let left = jobs[head...].compactMap { job -> SocketJob? in
                if case .request(let r) = job { return r }
                return nil
            }
            jobs = []
            head = 0
            return left
        }
    }
}

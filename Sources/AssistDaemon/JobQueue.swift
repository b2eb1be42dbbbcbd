import Foundation
import SystemSupport

/// The daemon's one queue: photos from every source in arrival order, taken by one worker so
/// exactly one inference runs at a time.
///
/// Client requests (`.bytes` and `.descriptor` jobs) are bounded (`maxRequests`, then `busy`),
/// and the bytes of waiting `.bytes` jobs by `maxQueuedBytes` (then `overBudget`); a descriptor
/// costs no bytes while it waits, since the worker reads it when its turn comes. Files are
/// deduplicated by path; their number is bounded by the folders themselves, and they must not be
/// dropped (the journal has not recorded them yet).
final class JobQueue: Sendable {
    private struct State {
        var jobs: [PhotoJob] = []
        var head = 0
        var pendingPaths = Set<String>()
        var pendingRequests = 0
        var maxRequests: Int
        /// Bytes of the client photos waiting in `jobs`.
        var queuedBytes = 0
        var maxQueuedBytes: Int
        var closed = false
        var working = false
    }

    private let state: Locked<State>
    /// Signalled once per job added and once on close; the worker waits on it.
    private let available = DispatchSemaphore(value: 0)

    init(maxRequests: Int, maxQueuedBytes: Int = BoundsConfig().maxQueuedBytes) {
        state = Locked(State(maxRequests: maxRequests, maxQueuedBytes: maxQueuedBytes))
    }

    /// The bound on waiting client requests (SIGHUP may change it).
    var maxRequests: Int {
        get { state.withLock { $0.maxRequests } }
        set { state.withLock { $0.maxRequests = newValue } }
    }

    /// The bound on the bytes of waiting client photos (SIGHUP may change it).
    var maxQueuedBytes: Int {
        get { state.withLock { $0.maxQueuedBytes } }
        set { state.withLock { $0.maxQueuedBytes = newValue } }
    }

    /// Bytes of the client photos waiting now, for tests and `status`.
    var queuedBytes: Int { state.withLock { $0.queuedBytes } }

    /// Queues a job unless the queue is closed, the same file is waiting, or too many client
    /// requests are. `announce` runs once the job is queued and before the worker can take it,
    /// so listeners hear of the queueing before the description starts.
    func add(_ job: PhotoJob, announce: () -> Void = {}) -> SubmitResult {
        let result = state.withLock { s -> SubmitResult in
            guard !s.closed else { return .closed }
            switch job.input {
            case .file(let path):
                guard !s.pendingPaths.contains(path) else { return .alreadyQueued }
                s.pendingPaths.insert(path)
            case .bytes(let data, _):
                guard s.pendingRequests < s.maxRequests else { return .busy(limit: s.maxRequests) }
                // One photo is always taken when nothing waits, so a photo within
                // max_photo_bytes is never refused for good.
                guard s.queuedBytes == 0 || s.queuedBytes + data.count <= s.maxQueuedBytes else {
                    return .overBudget(limit: s.maxQueuedBytes)
                }
                s.pendingRequests += 1
                s.queuedBytes += data.count
            case .descriptor:
                guard s.pendingRequests < s.maxRequests else { return .busy(limit: s.maxRequests) }
                s.pendingRequests += 1
            }
            s.jobs.append(job)
            return .queued
        }
        if result == .queued {
            announce()
            available.signal()
        }
        return result
    }

    /// Waiting jobs plus the one being worked on.
    var count: Int {
        state.withLock { $0.jobs.count - $0.head + ($0.working ? 1 : 0) }
    }

    /// Blocks until a job is available; nil once the queue is closed.
    func next() -> PhotoJob? {
        state.withLock { $0.working = false }
        available.wait()
        let job = state.withLock { s -> PhotoJob? in
            if s.closed { return nil }
            let job = s.jobs[s.head]
            s.head += 1
            if s.head > 1024 && s.head * 2 > s.jobs.count {
                s.jobs.removeFirst(s.head)
                s.head = 0
            }
            switch job.input {
            case .file(let p): s.pendingPaths.remove(p)
            case .bytes(let data, _):
                s.pendingRequests -= 1
                s.queuedBytes -= data.count
            case .descriptor: s.pendingRequests -= 1
            }
            s.working = true
            return job
        }
        // Closed: pass the wake-up on, so every waiter returns.
        if job == nil { available.signal() }
        return job
    }

    /// Stops handing out jobs and returns the waiting jobs that expect an answer, so they can be
    /// told `cancelled`. Waiting files need nothing: they are not in the journal yet, so the next
    /// start finds them.
    func close() -> [PhotoJob] {
        let left = state.withLock { s -> [PhotoJob] in
            s.closed = true
            let left = s.jobs[s.head...].filter { $0.completion != nil }
            s.jobs = []
            s.head = 0
            s.queuedBytes = 0
            s.pendingRequests = 0
            return Array(left)
        }
        available.signal()
        return left
    }
}

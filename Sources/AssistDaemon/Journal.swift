import Foundation
import IPC
#if canImport(Glibc)
import Glibc
#endif

/// The durable record of every photo the daemon has taken on.
///
/// An append-only file of JSON lines, each `fdatasync`ed before the call returns, in the state
/// directory. A torn last line (a crash mid-write) is ignored on load, and the file is then
/// rewritten with temp file + fsync + rename + directory fsync, keeping the newest record per photo.
///
/// Guarantees, given the worker's order (claim, caption, record, then speak):
/// - a photo with a `done` or `failed` record is never captioned or spoken again;
/// - a photo with only `claimed` records was in flight: it is redone, at most `max_attempts` times
///   in all, then recorded as failed (so a photo that crashes the daemon is quarantined);
/// - speech is at most once: it is queued only after the result is durable.
final class Journal: @unchecked Sendable {
    enum State: String, Codable { case claimed, done, failed }

    struct Record: Codable, Equatable {
        var state: State
        var photo: PhotoIdentity
        /// Seconds since 1970.
        var time: Double
        /// How many times this photo has been claimed, this record included.
        var attempt: Int
        /// The caption exactly as the model wrote it; absent when there was none.
        var caption: String?
        var error: String?
        /// The message spoken for a `done` photo; absent in records from before descriptions.
        var message: String?
        /// The parts of that message (quality, text, caption, timings).
        var description: DescriptionInfo?
    }

    static let fileName = "journal.jsonl"

    let path: String
    private let lock = NSLock()
    private var fd: Int32 = -1
    private var latest: [PhotoIdentity: Record] = [:]
    /// Finished records in the order they were made, for history.
    private var finishedOrder: [PhotoIdentity] = []
    /// For each photo claimed in this run and not yet finished, its record before the claim.
    private var beforeClaim: [PhotoIdentity: Record?] = [:]

    /// Opens (creating) the journal in `directory` and compacts it.
    init(directory: String) throws {
        path = directory + "/" + Journal.fileName
        if let data = FileManager.default.contents(atPath: path) {
            var torn = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let r = try? JSONDecoder().decode(Record.self, from: Data(line)) else { torn += 1; continue }
                latest[r.photo] = r
            }
            finishedOrder = latest.values.filter { $0.state != .claimed }.sorted { $0.time < $1.time }.map(\.photo)
            if torn > 0 { logWarning("journal", "ignored unreadable lines (a crash mid-write)", ["path": path, "lines": torn]) }
        }
        try compact()
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw DurableWriteError(path: path, call: "open", errno: errno) }
    }

    deinit { if fd >= 0 { close(fd) } }

    private func compact() throws {
        let unfinished = latest.values.filter { $0.state == .claimed }.sorted { $0.time < $1.time }
        var out = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for r in finishedOrder.compactMap({ latest[$0] }) + unfinished {
            out.append(try encoder.encode(r))
            out.append(UInt8(ascii: "\n"))
        }
        try DurableFile.write(out, to: path)
    }

    func record(for photo: PhotoIdentity) -> Record? {
        lock.withLock { latest[photo] }
    }

    /// Counts of each state, for logs and tests.
    var counts: [State: Int] {
        lock.withLock { Dictionary(grouping: latest.values, by: \.state).mapValues(\.count) }
    }

    /// Records that the photo is being processed; returns the attempt number.
    @discardableResult
    func claim(_ photo: PhotoIdentity) throws -> Int {
        let previous = record(for: photo)
        let attempt = (previous?.attempt ?? 0) + 1
        try append(Record(state: .claimed, photo: photo, time: Date().timeIntervalSince1970, attempt: attempt))
        lock.withLock { beforeClaim[photo] = .some(previous) }
        return attempt
    }

    func finish(_ photo: PhotoIdentity, description: DescriptionInfo) throws {
        let attempt = record(for: photo)?.attempt ?? 1
        try settle(photo, Record(state: .done, photo: photo, time: Date().timeIntervalSince1970, attempt: attempt,
                                 caption: description.caption?.text, message: description.message, description: description))
    }

    func fail(_ photo: PhotoIdentity, error: String) throws {
        let attempt = record(for: photo)?.attempt ?? 1
        try settle(photo, Record(state: .failed, photo: photo, time: Date().timeIntervalSince1970, attempt: attempt, error: error))
    }

    /// Appends a result. If that write fails (disk full, EIO), this run's claim of the photo is
    /// forgotten in memory: an attempt that ended because the journal could not be written is
    /// not a crash, so it must not count toward `max_attempts` when the photo is tried again.
    /// (After a restart the claim on disk counts, as for any claim without a result.)
    private func settle(_ photo: PhotoIdentity, _ r: Record) throws {
        do { try append(r) } catch {
            lock.withLock {
                if let before = beforeClaim.removeValue(forKey: photo) { latest[photo] = before }
            }
            throw error
        }
        lock.withLock { _ = beforeClaim.removeValue(forKey: photo) }
    }

    /// The newest `limit` described photos, oldest first.
    func recentCaptions(limit: Int) -> [Record] {
        lock.withLock {
            var newestFirst: [Record] = []
            for p in finishedOrder.reversed() where newestFirst.count < limit {
                if let r = latest[p], r.state == .done { newestFirst.append(r) }
            }
            return newestFirst.reversed()
        }
    }

    private func append(_ r: Record) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(r)
        line.append(UInt8(ascii: "\n"))
        try lock.withLock {
            let end = lseek(fd, 0, SEEK_END)
            do {
                try DurableFile.writeAll(fd, line, path: path)
                guard fdatasync(fd) == 0 else { throw DurableWriteError(path: path, call: "fdatasync", errno: errno) }
            } catch {
                // Cut a partial line off so the next record starts on a line of its own.
                if end >= 0 { _ = ftruncate(fd, end) }
                throw error
            }
            latest[r.photo] = r
            if r.state != .claimed { finishedOrder.append(r.photo) }
        }
    }
}

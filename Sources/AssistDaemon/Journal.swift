import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The durable record of every photo the daemon has taken on.
///
/// An append-only file of JSON lines (`JournalRecord`), each `fdatasync`ed before the call
/// returns, in the state directory. A torn last line (a crash mid-write) is ignored on load, and
/// the file is then rewritten with temp file + fsync + rename + directory fsync, keeping the
/// newest record per photo.
///
/// Guarantees, given the pipeline's order (claim, describe, record, then speak):
/// - a photo with a `done` or `failed` record is never described or spoken again;
/// - a photo with only `claimed` records was in flight: it is redone, at most `max_attempts` times
///   in all, then recorded as failed (so a photo that crashes the daemon is quarantined);
/// - speech is at most once: it is queued only after the result is durable.
final class Journal: Sendable {
    typealias Record = JournalRecord

    static let fileName = "journal.jsonl"

    private struct State {
        var fd: Int32 = -1
        var latest: [PhotoIdentity: Record] = [:]
        /// Finished records in the order they were made, for history.
        var finishedOrder: [PhotoIdentity] = []
        /// For each photo claimed in this run and not yet finished, its record before the claim.
        var beforeClaim: [PhotoIdentity: Record?] = [:]
    }

    let path: String
    private let state: Locked<State>

    /// Opens (creating) the journal in `directory` and compacts it.
    init(directory: String) throws {
        path = directory + "/" + Journal.fileName
        var s = State()
        if let data = FileManager.default.contents(atPath: path) {
            var torn = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let r = try? JSONDecoder().decode(Record.self, from: Data(line)) else { torn += 1; continue }
                s.latest[r.photo] = r
            }
            s.finishedOrder = s.latest.values.filter { $0.state != .claimed }.sorted { $0.time < $1.time }.map(\.photo)
            if torn > 0 { logWarning("journal", "ignored unreadable lines (a crash mid-write)", ["path": path, "lines": torn]) }
        }
        try Journal.compact(s, to: path)
        s.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard s.fd >= 0 else { throw SystemError("open", path: path) }
        state = Locked(s)
    }

    deinit { state.withLock { if $0.fd >= 0 { close($0.fd) } } }

    private static func compact(_ s: State, to path: String) throws {
        let unfinished = s.latest.values.filter { $0.state == .claimed }.sorted { $0.time < $1.time }
        var out = Data()
        for r in s.finishedOrder.compactMap({ s.latest[$0] }) + unfinished {
            out.append(try encode(r))
        }
        try FileSystem.writeDurably(out, to: path)
    }

    private static func encode(_ r: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(r)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    func record(for photo: PhotoIdentity) -> Record? {
        state.withLock { $0.latest[photo] }
    }

    /// Counts of each state, for logs and tests.
    var counts: [Record.State: Int] {
        state.withLock { Dictionary(grouping: $0.latest.values, by: \.state).mapValues(\.count) }
    }

    /// Records that the photo is being processed; returns the attempt number.
    @discardableResult
    func claim(_ photo: PhotoIdentity) throws -> Int {
        let previous = record(for: photo)
        let attempt = (previous?.attempt ?? 0) + 1
        try append(Record(state: .claimed, photo: photo, time: Date().timeIntervalSince1970, attempt: attempt))
        state.withLock { $0.beforeClaim[photo] = .some(previous) }
        return attempt
    }

    func finish(_ photo: PhotoIdentity, description: DescriptionInfo) throws {
        let attempt = record(for: photo)?.attempt ?? 1
        try settle(photo, Record(state: .done, photo: photo, time: Date().timeIntervalSince1970, attempt: attempt,
                                 caption: description.caption?.text, message: description.message,
                                 description: RecordedDescription(description)))
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
            state.withLock {
                if let before = $0.beforeClaim.removeValue(forKey: photo) { $0.latest[photo] = before }
            }
            throw error
        }
        state.withLock { _ = $0.beforeClaim.removeValue(forKey: photo) }
    }

    /// The newest `limit` described photos, oldest first.
    func recentCaptions(limit: Int) -> [Record] {
        state.withLock { s in
            var newestFirst: [Record] = []
            for p in s.finishedOrder.reversed() where newestFirst.count < limit {
                if let r = s.latest[p], r.state == .done { newestFirst.append(r) }
            }
            return newestFirst.reversed()
        }
    }

    private func append(_ r: Record) throws {
        let line = try Journal.encode(r)
        let path = self.path
        try state.withLock { s in
            let end = lseek(s.fd, 0, SEEK_END)
            do {
                try Descriptor.writeAll(s.fd, line, path: path)
                guard fdatasync(s.fd) == 0 else { throw SystemError("fdatasync", path: path) }
            } catch {
                // Cut a partial line off so the next record starts on a line of its own.
                if end >= 0 { _ = ftruncate(s.fd, end) }
                throw error
            }
            s.latest[r.photo] = r
            if r.state != .claimed { s.finishedOrder.append(r.photo) }
        }
    }
}

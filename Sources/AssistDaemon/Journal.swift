import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The durable record of every photo the daemon has taken on.
///
/// An append-only file of JSON lines (`JournalRecord`), each `fdatasync`ed before the call
/// returns, in the state directory. A torn last line (a crash mid-write) is ignored on load.
/// The file is rewritten (temp file + fsync + rename + directory fsync, keeping the newest record
/// per photo) only when that is needed: at start when a line was torn or is in an older form,
/// when a record is pruned (its photo is gone from a folder that is still there) or its
/// description is past `retention_days`, or when superseded lines make the file larger than
/// `journal_max_bytes`; while running, when appends have made it twice that size (or twice what
/// the last rewrite left), and whenever `forget` or retention erases descriptions.
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
        /// The file's size now, and what the last rewrite left.
        var bytes = 0
        var compactedBytes = 0
        var maxBytes: Int
    }

    /// What the start-up pass found.
    struct Opening: Equatable, Sendable {
        var lines = 0
        var torn = 0
        /// Lines in an older form (rewritten in today's).
        var outdated = 0
        /// Records of photos that are gone.
        var pruned = 0
        /// Descriptions past `retention_days`, erased.
        var expired = 0
        /// Whether the file was rewritten.
        var rewritten = false
    }

    let path: String
    private let state: Locked<State>
    /// What the start-up pass found, for logs and tests.
    let opening: Opening

    /// Opens (creating) the journal in `directory`. Records whose photo is gone from one of the
    /// `watched` folders, while that folder is there, are pruned; descriptions older than `retentionDays` (0: kept forever)
    /// are erased; the file is rewritten only when one of those, a torn or outdated line, or
    /// superseded lines beyond `maxBytes` make it necessary.
    init(directory: String, maxBytes: Int = BoundsConfig().journalMaxBytes, retentionDays: Int = 0,
         watched: [String] = [], now: Double = Date().timeIntervalSince1970) throws {
        path = directory + "/" + Journal.fileName
        var s = State(maxBytes: maxBytes)
        var o = Opening()
        let data = FileManager.default.contents(atPath: path)
        if let data {
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                o.lines += 1
                guard let r = try? JSONDecoder().decode(Record.self, from: Data(line)) else { o.torn += 1; continue }
                if (try? Journal.encode(r).dropLast()) != Data(line) { o.outdated += 1 }
                s.latest[r.photo] = r
            }
            let folders = Set(watched)
            for (photo, _) in s.latest where Journal.isGone(photo.path, watched: folders) {
                s.latest[photo] = nil
                o.pruned += 1
            }
            if retentionDays > 0 {
                o.expired = Journal.erase(in: &s.latest, where: { $0.time < now - Double(retentionDays) * 86400 })
            }
            s.finishedOrder = s.latest.values.filter { $0.state != .claimed }.sorted { $0.time < $1.time }.map(\.photo)
            if o.torn > 0 { logWarning("journal", "ignored unreadable lines (a crash mid-write)", ["path": path, "lines": o.torn]) }
        }
        let superseded = o.lines - o.torn - s.latest.count - o.pruned > 0
        if data == nil || o.torn + o.outdated + o.pruned + o.expired > 0 || (superseded && data!.count > maxBytes) {
            s.bytes = try Journal.compact(s, to: path)
            o.rewritten = true
        } else {
            s.bytes = data!.count
        }
        s.compactedBytes = s.bytes
        s.fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard s.fd >= 0 else { throw SystemError("open", path: path) }
        state = Locked(s)
        opening = o
        if o.pruned + o.expired > 0 || o.rewritten && data != nil {
            logInfo("journal", "journal tidied", ["path": path, "lines": o.lines, "pruned": o.pruned, "expired": o.expired,
                                                  "outdated": o.outdated, "rewritten": o.rewritten, "bytes": s.bytes])
        }
    }

    deinit { state.withLock { if $0.fd >= 0 { close($0.fd) } } }

    /// A photo whose file is gone from a watched folder that is still there: its record can
    /// never be needed again. A missing folder (an unmounted share) keeps its records, and so
    /// does a folder no longer watched (watching it again must not describe it all again).
    private static func isGone(_ path: String, watched: Set<String>) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        guard watched.contains(folder) else { return false }
        var st = stat()
        guard FileName.withCPath(path, { lstat($0, &st) }) != 0, errno == ENOENT else { return false }
        return stat(folder, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Writes the newest record per photo in order; returns the new size.
    private static func compact(_ s: State, to path: String) throws -> Int {
        let unfinished = s.latest.values.filter { $0.state == .claimed }.sorted { $0.time < $1.time }
        var out = Data()
        for r in s.finishedOrder.compactMap({ s.latest[$0] }) + unfinished {
            out.append(try encode(r))
        }
        try FileSystem.writeDurably(out, to: path)
        return out.count
    }

    /// Rewrites the file from `s` and reopens it for appending; under the state lock.
    private func rewrite(_ s: inout State) throws {
        s.bytes = try Journal.compact(s, to: path)
        s.compactedBytes = s.bytes
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", path: path) }
        close(s.fd)
        s.fd = fd
    }

    /// Takes the description out of every `done` record that `matches`: the photo stays
    /// recorded (so it is not described and spoken again), what it showed is gone. Returns how
    /// many were erased.
    private static func erase(in latest: inout [PhotoIdentity: Record], where matches: (Record) -> Bool) -> Int {
        var erased = 0
        for (photo, r) in latest where r.state == .done && r.hasDescription && matches(r) {
            latest[photo] = r.erased
            erased += 1
        }
        return erased
    }

    /// Erases the descriptions `scope` names (`forget`) and rewrites the file durably at once,
    /// so they are gone from the journal on disk before this returns. Returns how many.
    func erase(_ scope: ForgetScope) throws -> Int {
        try state.withLock { s in
            var chosen = Set<PhotoIdentity>()
            if case .last(let n) = scope {
                chosen = Set(s.finishedOrder.reversed().filter { s.latest[$0]?.hasDescription == true }.prefix(max(0, n)))
            }
            let count = Journal.erase(in: &s.latest) { scope == .all || chosen.contains($0.photo) }
            if count > 0 { try rewrite(&s) }
            return count
        }
    }

    /// Erases the descriptions recorded before `time` (`retention_days`), rewriting the file
    /// when there were any. Returns how many.
    func erase(before time: Double) throws -> Int {
        try state.withLock { s in
            let count = Journal.erase(in: &s.latest) { $0.time < time }
            if count > 0 { try rewrite(&s) }
            return count
        }
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
                if let r = s.latest[p], r.state == .done, r.hasDescription { newestFirst.append(r) }
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
            s.bytes += line.count
            // Appends only grow the file; once they have doubled it, the superseded lines go.
            if s.bytes > 2 * max(s.maxBytes, s.compactedBytes) {
                do { try rewrite(&s) } catch {
                    logWarning("journal", "cannot compact the journal; appending on", ["path": path, "reason": "\(error)"])
                }
            }
        }
    }

    /// The file's size now, for tests and logs.
    var bytes: Int { state.withLock { $0.bytes } }
}

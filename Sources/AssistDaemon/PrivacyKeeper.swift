import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Keeps private things from outliving their use (issue 11, "Privacy"): `assist forget` and
/// `retention_days` erase descriptions from the journal (the photo stays recorded, so it is not
/// described again), entries from the history, and photos the daemon captured itself.
///
/// Erasing rewrites the journal durably (temp file, fsync, rename, directory fsync), so an
/// erased description is not in the journal file after a crash either. The work runs on this
/// type's own queue: never on the socket's poll thread.
final class PrivacyKeeper: Sendable {
    private struct State {
        var retentionDays: Int
        var captureDirectory: String?
        var running = false
    }

    /// How often retention is applied while the daemon runs (it is also applied at start).
    static let retentionCheckSeconds = 3600.0

    private let journal: Journal
    private let history: CaptionHistory
    private let work = DispatchQueue(label: "assistd.privacy")
    private let state: Locked<State>

    /// `captureDirectory` is where the daemon writes photos it takes itself (a camera capture);
    /// its regular files are erased with the descriptions. nil: the daemon captures nothing.
    init(journal: Journal, history: CaptionHistory, retentionDays: Int, captureDirectory: String? = nil) {
        self.journal = journal
        self.history = history
        state = Locked(State(retentionDays: retentionDays, captureDirectory: captureDirectory))
    }

    /// SIGHUP may change `retention_days` (0: keep forever) or the capture directory.
    func update(retentionDays: Int, captureDirectory: String?) {
        state.withLock { $0.retentionDays = retentionDays; $0.captureDirectory = captureDirectory }
        work.async { [self] in expire() }
    }

    /// Applies retention now and then every `retentionCheckSeconds`.
    func start() {
        state.withLock { $0.running = true }
        work.async { [self] in tick() }
    }

    func stop() {
        state.withLock { $0.running = false }
    }

    private func tick() {
        guard state.withLock({ $0.running }) else { return }
        expire()
        work.asyncAfter(deadline: .now() + PrivacyKeeper.retentionCheckSeconds) { [weak self] in self?.tick() }
    }

    /// `forget`: erases on the privacy queue, then answers what went.
    func forget(_ scope: ForgetScope, reply: @escaping @Sendable (ResponseBody) -> Void) {
        if case .last(let n) = scope, n < 1 {
            return reply(.failure(RemoteError(.badRequest, "forget --last needs a number of descriptions of at least 1, not \(n)")))
        }
        work.async { [self] in
            let fromHistory = history.remove(scope)
            let fromJournal: Int
            do { fromJournal = try journal.erase(scope) } catch {
                logError("privacy", "cannot rewrite the journal to forget", ["reason": "\(error)"])
                return reply(.failure(RemoteError(.internal, "the history was cleared, but the journal could not be rewritten: \(error)")))
            }
            var photos = 0
            if scope == .all, let dir = state.withLock({ $0.captureDirectory }) {
                photos = PrivacyKeeper.removePhotos(in: dir, before: .infinity)
            }
            logInfo("privacy", "forgot descriptions", ["scope": PrivacyKeeper.name(scope), "journal": fromJournal,
                                                       "history": fromHistory, "photos": photos])
            reply(.forgotten(ForgetResult(journal: fromJournal, history: fromHistory, photos: photos)))
        }
    }

    /// Erases what is older than `retention_days`.
    private func expire() {
        let (days, dir) = state.withLock { ($0.retentionDays, $0.captureDirectory) }
        guard days > 0 else { return }
        let cutoff = Date().timeIntervalSince1970 - Double(days) * 86400
        let fromHistory = history.remove(before: cutoff)
        var fromJournal = 0
        do { fromJournal = try journal.erase(before: cutoff) } catch {
            logError("privacy", "cannot rewrite the journal to erase old descriptions", ["reason": "\(error)"])
        }
        let photos = dir.map { PrivacyKeeper.removePhotos(in: $0, before: cutoff) } ?? 0
        if fromHistory + fromJournal + photos > 0 {
            logInfo("privacy", "erased descriptions past retention", ["days": days, "journal": fromJournal,
                                                                      "history": fromHistory, "photos": photos])
        }
    }

    /// Deletes the regular files in `directory` modified before `time` (never following a link,
    /// never below it); returns how many. The directory is fsynced so the deletions last.
    static func removePhotos(in directory: String, before time: Double) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names {
            let path = directory + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
                  Double(st.st_mtim.tv_sec) < time, unlink(path) == 0 else { continue }
            removed += 1
        }
        if removed > 0 {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 { fsync(fd); close(fd) }
        }
        return removed
    }

    private static func name(_ scope: ForgetScope) -> String {
        switch scope {
        case .all: return "all"
        case .last(let n): return "last \(n)"
        }
    }
}

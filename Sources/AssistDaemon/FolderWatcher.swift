import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Watches folders with inotify and reports each complete file once it lands.
///
/// Events are only a hint; the scan is the truth (docs/daemon.md, "Watched folders"). A folder
/// is scanned when its watch is added (startup, re-creation), after IN_Q_OVERFLOW, and every
/// `rescanInterval` seconds for network filesystems whose remote writes fire no events. A file
/// is reported on IN_CLOSE_WRITE or IN_MOVED_TO only, never IN_CREATE, so a half-written file is
/// not taken. A scan skips files modified in the last `settleSeconds` (they may still be being
/// written) and looks again once they have settled. Duplicate reports are harmless: the job queue
/// and the journal drop them.
final class FolderWatcher: Sendable {
    /// Files written within this many seconds are left for a later scan.
    static let settleSeconds = 2.0
    /// How often a missing or deleted folder is looked for again.
    static let retrySeconds = 1.0

    /// What other threads ask of the watcher thread.
    private struct Requests {
        var folders: [String]
        var rescanInterval: Double
        var stopping = false
        /// A scan of every folder asked for by `rescan(after:)`.
        var scanAt: Date?
        /// Set by `start`; nil before it and if it failed.
        var waker: PollLoop.Waker?
    }

    private let requests: Locked<Requests>
    private let onFile: @Sendable (String) -> Void
    private let onChange: @Sendable (Change) -> Void

    /// What happened to the watched folders, for the daemon's event stream.
    enum Change: Sendable, Equatable {
        case watching(String)
        case lost(String, why: String)
        case back(String)
        case overflow
    }

    init(folders: [String], rescanInterval: Double, onFile: @escaping @Sendable (String) -> Void,
         onChange: @escaping @Sendable (Change) -> Void = { _ in }) {
        requests = Locked(Requests(folders: folders, rescanInterval: rescanInterval))
        self.onFile = onFile
        self.onChange = onChange
    }

    /// Names a camera app, a sync client or an editor uses while a file is incomplete, and the
    /// alt-text files the daemon writes itself.
    static func isIgnored(name: String) -> Bool {
        if name.hasPrefix(".") || name.hasSuffix("~") { return true }
        let lower = name.lowercased()
        for suffix in [".tmp", ".part", ".swp", ".crdownload", ".partial", ".txt"] where lower.hasSuffix(suffix) {
            return true
        }
        return false
    }

    /// Opens inotify and starts the watcher thread. Throws the failed call (inotify_init1 when
    /// the per-user instance limit is reached, pipe when out of descriptors).
    func start() throws {
        let inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotifyFD >= 0 else { throw SystemError("inotify_init1") }
        let waker: PollLoop.Waker
        do { waker = try PollLoop.Waker() } catch {
            close(inotifyFD)
            throw error
        }
        requests.withLock { $0.waker = waker }
        let onFile = self.onFile
        let onChange = self.onChange
        let t = Thread { [self] in
            let loop = WatchLoop(inotifyFD: inotifyFD, onFile: onFile, onChange: onChange)
            loop.run(PollLoop(waker: waker), requests: self)
        }
        t.name = "watcher"
        t.start()
    }

    /// Replaces the folder list and rescan interval (SIGHUP).
    func update(folders newFolders: [String], rescanInterval newInterval: Double) {
        wake {
            $0.folders = newFolders
            $0.rescanInterval = newInterval
        }
    }

    func stop() {
        wake { $0.stopping = true }
    }

    /// Scans every folder once, `seconds` from now (an earlier request wins). The daemon asks for
    /// this when it could not record a photo, so the photo is taken again once recording works,
    /// even with `rescan_interval = 0` and no new event.
    func rescan(after seconds: Double) {
        let at = Date().addingTimeInterval(seconds)
        wake { $0.scanAt = min($0.scanAt ?? at, at) }
    }

    private func wake(_ change: (inout Requests) -> Void) {
        let waker = requests.withLock { r in
            change(&r)
            return r.waker
        }
        waker?.wake()
    }

    /// The requests as the watcher thread sees them at the start of a round; a due scan request
    /// is taken (cleared) by the read.
    fileprivate func take(now: Date) -> (folders: [String], interval: Double, stop: Bool, scanDue: Bool, scanAt: Date?) {
        requests.withLock { r in
            let due = r.scanAt.map { now >= $0 } ?? false
            if due { r.scanAt = nil }
            return (r.folders, r.rescanInterval, r.stopping, due, r.scanAt)
        }
    }
}

/// The watcher thread's own state: the inotify descriptor and its watches, and when the next
/// timed scans are due. Only the thread that runs it touches it.
private final class WatchLoop {
    private let inotifyFD: Int32
    private let onFile: @Sendable (String) -> Void
    private let onChange: @Sendable (FolderWatcher.Change) -> Void
    /// Watch descriptor per folder; a folder without one is missing and retried.
    private var watches: [String: Int32] = [:]
    private var missingSince: [String: Date] = [:]
    private var applied: [String] = []
    private var appliedInterval = -1.0
    private var nextRescan = Date.distantFuture
    private var settleScanAt: Date?

    init(inotifyFD: Int32, onFile: @escaping @Sendable (String) -> Void,
         onChange: @escaping @Sendable (FolderWatcher.Change) -> Void) {
        self.onChange = onChange
        self.inotifyFD = inotifyFD
        self.onFile = onFile
    }

    func run(_ loop: PollLoop, requests: FolderWatcher) {
        loop.watch(inotifyFD, events: Int16(POLLIN)) { [self] _ in readEvents() }
        do {
            try loop.run { [self] in
                let (wanted, interval, stop, scanDue, scanAt) = requests.take(now: Date())
                if stop {
                    loop.stop()
                    return nil
                }
                return round(wanted: wanted, interval: interval, scanDue: scanDue, scanAt: scanAt)
            }
        } catch {
            logError("watcher", "poll failed; no longer watching folders", ["reason": "\(error)"])
        }
        for (_, wd) in watches { inotify_rm_watch(inotifyFD, wd) }
        close(inotifyFD)
    }

    /// Applies folder and interval changes and runs the scans that are due; returns when the
    /// next timed work is due.
    private func round(wanted: [String], interval: Double, scanDue: Bool, scanAt: Date?) -> Date? {
        if wanted != applied {
            for (folder, wd) in watches where !wanted.contains(folder) {
                inotify_rm_watch(inotifyFD, wd)
                watches[folder] = nil
            }
            missingSince = missingSince.filter { wanted.contains($0.key) }
            for folder in wanted where watches[folder] == nil { addWatch(folder) }
            applied = wanted
        }
        if interval != appliedInterval {
            appliedInterval = interval
            nextRescan = interval > 0 ? Date().addingTimeInterval(interval) : .distantFuture
        }
        let now = Date()
        if now >= nextRescan {
            logDebug("watcher", "periodic rescan")
            for folder in applied where watches[folder] != nil { scan(folder) }
            nextRescan = now.addingTimeInterval(appliedInterval)
        }
        if scanDue {
            logDebug("watcher", "requested rescan")
            for folder in applied where watches[folder] != nil { scan(folder) }
        }
        if let at = settleScanAt, now >= at {
            settleScanAt = nil
            for folder in applied where watches[folder] != nil { scan(folder) }
        }
        if !missingSince.isEmpty {
            for folder in applied where watches[folder] == nil { addWatch(folder) }
        }

        var deadline = nextRescan
        if let at = settleScanAt { deadline = min(deadline, at) }
        if let at = scanAt { deadline = min(deadline, at) }
        if !missingSince.isEmpty { deadline = min(deadline, Date().addingTimeInterval(FolderWatcher.retrySeconds)) }
        return deadline == .distantFuture ? nil : deadline
    }

    private func addWatch(_ folder: String) {
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
        let wd = inotify_add_watch(inotifyFD, folder, mask)
        if wd < 0 {
            let e = errno
            if missingSince[folder] == nil {
                missingSince[folder] = Date()
                logWarning("watcher", "cannot watch folder; will keep trying", ["folder": folder, "reason": String(cString: strerror(e))])
                onChange(.lost(folder, why: String(cString: strerror(e))))
            }
            return
        }
        if missingSince.removeValue(forKey: folder) != nil {
            logInfo("watcher", "folder is back; watching it again", ["folder": folder])
            watches[folder] = wd
            scan(folder)
            onChange(.back(folder))
        } else {
            logInfo("watcher", "watching folder", ["folder": folder])
            watches[folder] = wd
            scan(folder)
            onChange(.watching(folder))
        }
    }

    private func folder(for wd: Int32) -> String? {
        watches.first { $0.value == wd }?.key
    }

    private func lost(_ folder: String, why: String) {
        guard let wd = watches.removeValue(forKey: folder) else { return }
        inotify_rm_watch(inotifyFD, wd)
        missingSince[folder] = Date()
        logWarning("watcher", "folder went away; will watch it again when it is back", ["folder": folder, "why": why])
        onChange(.lost(folder, why: why))
    }

    private func readEvents() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let headerSize = MemoryLayout<inotify_event>.size
        while true {
            let n = read(inotifyFD, &buffer, buffer.count)
            if n <= 0 { return }
            var offset = 0
            while offset + headerSize <= n {
                let (wd, mask, len) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int) in
                    let e = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (e.wd, e.mask, Int(e.len))
                }
                var name = ""
                if len > 0 {
                    let bytes = buffer[(offset + headerSize)..<(offset + headerSize + len)]
                    // Bytes, not UTF-8: FileName keeps a Latin-1 or broken name openable.
                    name = FileName.decode(bytes.prefix { $0 != 0 })
                }
                offset += headerSize + len
                handle(wd: wd, mask: mask, name: name)
            }
        }
    }

    private func handle(wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            logWarning("watcher", "inotify queue overflowed; rescanning every folder")
            for folder in watches.keys { scan(folder) }
            onChange(.overflow)
            return
        }
        guard let folder = folder(for: wd) else { return }
        if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            lost(folder, why: mask & UInt32(IN_MOVE_SELF) != 0 ? "moved" : "deleted")
            return
        }
        if mask & UInt32(IN_ISDIR) != 0 || name.isEmpty || FolderWatcher.isIgnored(name: name) { return }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
            report(folder + "/" + name)
        }
    }

    /// Hands a found file on; a name that is not UTF-8 is logged escaped, once per sighting.
    private func report(_ path: String) {
        if FileName.hasRawBytes(path) {
            logInfo("watcher", "file name is not valid UTF-8; describing it under its escaped name", ["path": FileName.display(path)])
        }
        onFile(path)
    }

    /// Reports every settled regular file, oldest first, so a backlog is taken in arrival order.
    private func scan(_ folder: String) {
        guard let names = FileName.list(folder) else { return }
        var files: [(String, Int64)] = []
        var unsettled = false
        let now = Date().timeIntervalSince1970
        for name in names where !FolderWatcher.isIgnored(name: name) {
            var st = stat()
            let path = folder + "/" + name
            guard FileName.withCPath(path, { lstat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            if now - mtime < FolderWatcher.settleSeconds {
                unsettled = true
                continue
            }
            files.append((path, Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)))
        }
        if unsettled {
            let at = Date().addingTimeInterval(FolderWatcher.settleSeconds)
            settleScanAt = min(settleScanAt ?? at, at)
        }
        files.sort { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        logDebug("watcher", "scanned folder", ["folder": folder, "files": files.count])
        for (path, _) in files { report(path) }
    }
}

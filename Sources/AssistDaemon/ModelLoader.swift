import Foundation
import IPC
import ModelStore
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Which captioning model the daemon uses, and switching to another without a restart.
///
/// The model is `model = DIR` when that is set, else the models directory's selection: the
/// `current` link that `assist model use` (and the first `assist model install`) writes, read
/// with `ModelStore.currentModelDirectory()` (docs/models.md). `check` compares what is configured
/// or selected now with what was last loaded, by the identity of the directory and its
/// config.json (device, inode, mtime), so `assist model use`, a reinstall at a new commit (a new
/// directory renamed into place) and a link changed by hand are all noticed.
///
/// A new model loads on the loader's own thread while the worker keeps describing photos with the
/// old one (or without a model); it is swapped in under the lock, and the worker takes the model
/// once per photo, so every photo is described by one model from start to end. A load that fails
/// keeps the model that was in use and reports why in `status`. While a new model loads, both are
/// in memory.
///
/// Two checks keep a bad model from taking the daemon down at every start (docs/daemon.md,
/// "Models that crash or do not fit"): each load is bracketed by a `ModelLoadMarker` in the state
/// directory, and a marker left by a load that ended the process makes the next start skip that
/// model; and a model whose weights cannot fit the memory available (`ModelFit`) is not loaded.
/// Either is reported like a failed load, and `reload_model` or choosing another model tries again.
final class ModelLoader: ModelProvider {
    /// Where the model comes from.
    struct Source: Equatable, Sendable {
        /// `model = DIR`; nil follows the models directory's selection.
        var explicit: String?
        var modelsDirectory: String
    }

    /// What a model directory holds right now: the directory itself and its config.json. A
    /// reinstall renames a new directory into place, so the inode changes even when the path does not.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var configInode: UInt64
        var configModified: Int64

        /// nil when `directory` is not a directory (following symbolic links).
        init?(directory: String) {
            var st = stat()
            guard stat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            var config = stat()
            if stat(directory + "/config.json", &config) == 0 {
                configInode = UInt64(config.st_ino)
                configModified = Int64(config.st_mtim.tv_sec) * 1_000_000_000 + Int64(config.st_mtim.tv_nsec)
            } else {
                configInode = 0
                configModified = 0
            }
        }
    }

    /// What `check` found: a directory to load, or why there is none.
    private enum Target {
        case directory(ModelInfo, Identity)
        case none(directory: String, problem: String)
    }

    /// Where the loader is in looking for and loading a model.
    private enum Phase {
        /// `check` has not run yet.
        case unchecked
        /// Nothing is configured or selected (`problem` says why; it is logged once per change).
        /// A model loaded before keeps serving.
        case nothingSelected(problem: String)
        /// The directory with `identity` was loaded or tried; a failed load is not retried
        /// until the directory changes or a reload is asked for.
        case settled(Identity)
        /// Load number `generation` of `info` runs on the loader's queue; a load whose number
        /// is no longer the phase's is discarded when it ends.
        case loading(ModelInfo, Identity, generation: Int)
    }

    private struct State {
        var source: Source
        /// The model photos are described with (or why there is none).
        var serving: ModelState
        var phase: Phase = .unchecked
        /// Why the last change could not be applied while `serving` still captions photos.
        var failure: String?
        var loadsStarted = 0
        /// Whether the periodic checks run.
        var watching = false
        /// The marker a load that ended the process left; that model is skipped until a load is
        /// asked for explicitly or another one starts.
        var crashed: ModelLoadMarker?
        /// Set with the problem of a model skipped after a crash or refused for its memory.
        var problemKind: ModelStatus.ProblemKind?
    }

    /// Seconds between the background checks of the selection.
    static let checkInterval = 5.0

    private let state: Locked<State>
    private let queue = DispatchQueue(label: "assist.model-loader")
    private let events: EventHub
    /// Where the loading marker is kept; nil keeps none (in-process tests).
    private let stateDirectory: String?

    init(source: Source, events: EventHub, stateDirectory: String? = nil) {
        var initial = State(source: source, serving: .missing(directory: source.explicit ?? source.modelsDirectory,
                                                            problem: "The model has not been looked for yet."))
        if let stateDirectory { initial.crashed = ModelLoadMarker.read(stateDirectory: stateDirectory) }
        state = Locked(initial)
        self.events = events
        self.stateDirectory = stateDirectory
    }

    /// The model to describe the next photo with.
    func current() -> ModelState {
        state.withLock { $0.serving }
    }

    /// A changed selection starts loading now; the photo is described with the model in use.
    func modelForNextPhoto() -> ModelState {
        check()
        return current()
    }

    /// Looks at the configured or selected model and starts loading it when it is not the one
    /// loaded or last tried, or when `force` is set. Returns at once; costs a readlink and a few
    /// stats when nothing changed. A model whose last load ended the process is skipped unless
    /// `retryCrashed` (an explicit `reload_model`).
    func check(force: Bool = false, retryCrashed: Bool = false) {
        let target = resolve(state.withLock { $0.source })
        var start: (info: ModelInfo, generation: Int)?
        var missing: (directory: String, problem: String, keeping: String?)?
        var skipped: (info: ModelInfo, problem: String, marker: ModelLoadMarker)?
        state.withLock { s in
            switch target {
            case .none(let directory, let problem):
                // Nothing to load: a load in progress is abandoned, a loaded model stays.
                var reported = false
                if case .nothingSelected(let p) = s.phase, p == problem { reported = true }
                s.phase = .nothingSelected(problem: problem)
                s.problemKind = nil
                if let kept = s.serving.info {
                    s.failure = problem + " Still using \(kept.name)."
                } else {
                    s.serving = .missing(directory: directory, problem: problem)
                    s.failure = nil
                }
                if !reported || force { missing = (directory, problem, s.serving.info?.name) }
            case .directory(let info, let identity):
                switch s.phase {
                case .loading(_, let loading, _) where loading == identity: return
                case .settled(let tried) where tried == identity && !force: return
                default: break
                }
                if let marker = s.crashed, !retryCrashed, marker.names(directory: info.directory, identity: identity) {
                    let problem = "The captioning model \(info.name) was skipped: loading it stopped assistd at \(marker.startedText) "
                        + "(a crash or an out-of-memory kill), so it is not loaded again at every start. Install or select "
                        + "another model, or run `assist model reload` to try it again."
                    s.phase = .settled(identity)
                    if let kept = s.serving.info {
                        s.failure = problem + " Still using \(kept.name)."
                    } else {
                        s.serving = .missing(directory: info.directory, problem: problem)
                        s.failure = nil
                    }
                    s.problemKind = .loadCrashed
                    skipped = (info, problem, marker)
                    return
                }
                s.crashed = nil
                s.loadsStarted += 1
                s.phase = .loading(info, identity, generation: s.loadsStarted)
                start = (info, s.loadsStarted)
            }
        }
        if let m = missing {
            if let kept = m.keeping {
                logWarning("model", "no model is selected now; keeping the loaded one", ["path": m.directory, "model": kept, "problem": m.problem])
            } else {
                logWarning("model", "no captioning model; photos are described by their quality and text only",
                           ["path": m.directory, "problem": m.problem])
            }
            events.emit(.modelFailed, error: m.problem, path: m.directory)
        }
        if let skipped {
            logError("model", "skipping the model whose last load stopped assistd; photos are described without it",
                     ["path": skipped.info.directory, "name": skipped.info.name, "crashed_pid": Int(skipped.marker.pid),
                      "crashed_at": skipped.marker.startedText, "problem": skipped.problem])
            events.emit(.modelFailed, error: skipped.problem, path: skipped.info.directory)
        }
        if let start {
            logInfo("model", "loading model", ["path": start.info.directory, "name": start.info.name, "repo": start.info.repo,
                                               "commit": start.info.commit])
            queue.async { self.load(start.info, generation: start.generation) }
        }
    }

    /// `reload_model`: check now, and try again even if nothing changed when the last load failed
    /// or no model is in use (the files may have been fixed in place).
    func reloadRequested() {
        let retry = state.withLock { $0.serving.captioner == nil || $0.failure != nil }
        check(force: retry, retryCrashed: true)
    }

    /// SIGHUP: takes the new config's source; loads again when it changed or no model is in use.
    func update(source new: Source) {
        let force = state.withLock { s -> Bool in
            defer { s.source = new }
            return s.source != new || s.serving.captioner == nil
        }
        check(force: force)
    }

    /// Blocks until the loads started so far have finished.
    func waitForLoads() {
        queue.sync {}
    }

    /// Checks the selection every `checkInterval` seconds, so a link changed without the client
    /// (by hand, or by a client that cannot reach the socket) is picked up.
    func startWatching() {
        state.withLock { $0.watching = true }
        scheduleCheck()
    }

    func stopWatching() {
        state.withLock { $0.watching = false }
    }

    /// The daemon is stopping on purpose (SIGTERM, `systemctl restart`): a load still running did
    /// not end the process, so its marker must not make the next start skip the model.
    func stopping() {
        let loading = state.withLock { s -> Bool in
            if case .loading = s.phase { return true }
            return false
        }
        if loading, let stateDirectory { ModelLoadMarker.remove(stateDirectory: stateDirectory) }
    }

    private func scheduleCheck() {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + Self.checkInterval) { [weak self] in
            guard let self, self.state.withLock({ $0.watching }) else { return }
            self.check()
            self.scheduleCheck()
        }
    }

    /// Looks at the selection first (a changed one starts loading), then reports.
    func status() -> ModelStatus {
        check()
        return state.withLock { s in
            let info = s.serving.info
            var loadingPath: String?
            if case .loading(let l, _, _) = s.phase { loadingPath = l.directory }
            let st: ModelStatus.State = loadingPath != nil ? .loading : (s.serving.captioner != nil ? .loaded : .missing)
            return ModelStatus(loaded: s.serving.captioner != nil, path: s.serving.directory, problem: s.serving.problem ?? s.failure,
                               state: st, name: info?.name, repo: info?.repo, commit: info?.commit,
                               modelsDirectory: s.source.modelsDirectory, source: s.source.explicit == nil ? .selection : .config,
                               loadingPath: loadingPath, problemKind: s.problemKind)
        }
    }

    private func load(_ info: ModelInfo, generation number: Int) {
        guard let identity = state.withLock({ s -> Identity? in
            guard case .loading(_, let identity, let g) = s.phase, g == number else { return nil }
            return identity
        }) else { return }
        let started = DispatchTime.now()
        // On disk before anything reads the checkpoint: a crash in the reader or an OOM kill
        // while the weights are paged in leaves it behind for the next start.
        if let stateDirectory {
            do { try ModelLoadMarker(directory: info.directory, identity: identity).write(stateDirectory: stateDirectory) } catch {
                logWarning("model", "cannot write the loading marker; a model that crashes the load would be retried at every start",
                           ["path": ModelLoadMarker.url(stateDirectory: stateDirectory), "reason": "\(error)"])
            }
        }
        let loaded: ModelState
        let tooLarge = ModelFit.problem(for: info)
        if let tooLarge {
            loaded = .missing(directory: info.directory, problem: tooLarge)
        } else {
            loaded = ModelState.load(info)
        }
        if let stateDirectory { ModelLoadMarker.remove(stateDirectory: stateDirectory) }
        let ms = Int(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6)
        enum Outcome { case superseded, loaded(replaced: String?), keeping(String), failed }
        let outcome = state.withLock { s -> Outcome in
            guard case .loading(_, let identity, let g) = s.phase, g == number else { return .superseded }
            s.phase = .settled(identity)
            s.problemKind = tooLarge != nil ? .tooLarge : nil
            if loaded.captioner != nil {
                let replaced = s.serving.info?.name
                s.serving = loaded
                s.failure = nil
                return .loaded(replaced: replaced)
            }
            if let kept = s.serving.info {
                s.failure = (loaded.problem ?? "The model in \(info.directory) cannot be loaded.") + " Still using \(kept.name)."
                return .keeping(kept.name)
            }
            s.serving = loaded
            s.failure = nil
            return .failed
        }
        switch outcome {
        case .superseded:
            logInfo("model", "load finished after another model was chosen; discarded", ["path": info.directory])
        case .loaded(let replaced):
            logInfo("model", "model loaded", ["path": info.directory, "name": info.name, "repo": info.repo, "commit": info.commit,
                                              "replaced": replaced, "ms": ms])
            events.emit(.modelLoaded, path: info.directory)
        case .keeping(let kept):
            logError("model", "cannot load the new model; keeping the previous one",
                     ["path": info.directory, "keeping": kept, "problem": loaded.problem])
            events.emit(.modelFailed, error: loaded.problem, path: info.directory)
        case .failed:
            logWarning("model", "no captioning model; photos are described by their quality and text only",
                       ["path": info.directory, "problem": loaded.problem])
            events.emit(.modelFailed, error: loaded.problem, path: info.directory)
        }
    }

    /// The directory to use now, or why there is none.
    private func resolve(_ s: Source) -> Target {
        if let configured = s.explicit {
            let real = configured.withCString { p -> String? in
                guard let r = realpath(p, nil) else { return nil }
                defer { free(r) }
                return String(cString: r)
            }
            guard let real, let identity = Identity(directory: real) else {
                return .none(directory: configured,
                             problem: "No captioning model is installed: \(configured) does not exist. " + ModelState.installHint)
            }
            return .directory(ModelInfo(directory: real), identity)
        }
        let store = ModelStore(root: URL(fileURLWithPath: s.modelsDirectory))
        let link = s.modelsDirectory + "/" + ModelStore.currentLinkName
        if let selected = store.currentModelDirectory()?.path, let identity = Identity(directory: selected) {
            return .directory(ModelInfo(directory: selected), identity)
        }
        // A checkpoint copied to <models>/current by hand (the layout before `assist model use`).
        var st = stat()
        if lstat(link, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, access(link + "/config.json", F_OK) == 0,
           let identity = Identity(directory: link) {
            return .directory(ModelInfo(directory: link), identity)
        }
        let installed = (try? store.list())?.map(\.name) ?? []
        if installed.isEmpty {
            return .none(directory: link, problem: "No captioning model is installed in \(s.modelsDirectory). " + ModelState.installHint)
        }
        return .none(directory: link, problem: "No captioning model is selected in \(s.modelsDirectory) (installed: "
            + installed.joined(separator: ", ") + "). Choose one with `assist model use NAME`.")
    }
}

import Foundation
import IPC
import ModelStore
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
final class ModelLoader: @unchecked Sendable {
    /// Where the model comes from.
    struct Source: Equatable {
        /// `model = DIR`; nil follows the models directory's selection.
        var explicit: String?
        var modelsDirectory: String
    }

    /// What a model directory holds right now: the directory itself and its config.json. A
    /// reinstall renames a new directory into place, so the inode changes even when the path does not.
    struct Identity: Equatable {
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

    /// Seconds between the background checks of the selection.
    static let checkInterval = 5.0

    private let lock = NSLock()
    private var source: Source
    /// The model photos are described with (or why there is none).
    private var serving: ModelState
    /// The directory identity last loaded or tried, so a failed load is not retried on every check.
    private var attempted: Identity?
    /// The model being loaded, if any.
    private var loading: ModelInfo?
    /// Bumped for each load started; a load whose number is no longer current is discarded.
    private var generation = 0
    /// Why the last change could not be applied while `serving` still captions photos.
    private var failure: String?
    /// The last "no model" problem logged, so the periodic checks log a change once.
    private var reported: String?
    private let queue = DispatchQueue(label: "assist.model-loader")
    private var timer: DispatchSourceTimer?

    init(source: Source) {
        self.source = source
        serving = .missing(directory: source.explicit ?? source.modelsDirectory, problem: "The model has not been looked for yet.")
    }

    /// The model to describe the next photo with.
    func current() -> ModelState {
        lock.withLock { serving }
    }

    /// Looks at the configured or selected model and starts loading it when it is not the one
    /// loaded or last tried, or when `force` is set. Returns at once; costs a readlink and a few
    /// stats when nothing changed.
    func check(force: Bool = false) {
        let target = resolve(lock.withLock { source })
        var start: (info: ModelInfo, generation: Int)?
        var missing: (directory: String, problem: String, keeping: String?)?
        lock.withLock {
            switch target {
            case .none(let directory, let problem):
                // Nothing to load: a load in progress is abandoned, a loaded model stays.
                if loading != nil { generation += 1; loading = nil }
                attempted = nil
                if let kept = serving.info {
                    failure = problem + " Still using \(kept.name)."
                } else {
                    serving = .missing(directory: directory, problem: problem)
                    failure = nil
                }
                if reported != problem || force {
                    reported = problem
                    missing = (directory, problem, serving.info?.name)
                }
            case .directory(let info, let identity):
                reported = nil
                if identity == attempted && (!force || loading != nil) { return }
                generation += 1
                attempted = identity
                loading = info
                start = (info, generation)
            }
        }
        if let m = missing {
            if let kept = m.keeping {
                logWarning("model", "no model is selected now; keeping the loaded one", ["path": m.directory, "model": kept, "problem": m.problem])
            } else {
                logWarning("model", "no captioning model; photos are described by their quality and text only",
                           ["path": m.directory, "problem": m.problem])
            }
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
        let retry = lock.withLock { serving.captioner == nil || failure != nil }
        check(force: retry)
    }

    /// SIGHUP: takes the new config's source; loads again when it changed or no model is in use.
    func update(source new: Source) {
        let force = lock.withLock { () -> Bool in
            defer { source = new }
            return source != new || serving.captioner == nil
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
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        t.schedule(deadline: .now() + Self.checkInterval, repeating: Self.checkInterval)
        t.setEventHandler { [weak self] in self?.check() }
        t.resume()
        lock.withLock { timer = t }
    }

    func stopWatching() {
        lock.withLock { () -> DispatchSourceTimer? in defer { timer = nil }; return timer }?.cancel()
    }

    func status() -> ModelStatus {
        lock.withLock {
            let info = serving.info
            let state = loading != nil ? "loading" : (serving.captioner != nil ? "loaded" : "missing")
            return ModelStatus(loaded: serving.captioner != nil, path: serving.directory, problem: serving.problem ?? failure,
                               state: state, name: info?.name, repo: info?.repo, commit: info?.commit,
                               modelsDirectory: source.modelsDirectory, source: source.explicit == nil ? "selection" : "config",
                               loadingPath: loading?.directory)
        }
    }

    private func load(_ info: ModelInfo, generation number: Int) {
        guard lock.withLock({ number == generation }) else { return }
        let started = DispatchTime.now()
        let state = ModelState.load(info)
        let ms = Int(Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6)
        enum Outcome { case superseded, loaded(replaced: String?), keeping(String), failed }
        let outcome = lock.withLock { () -> Outcome in
            guard number == generation else { return .superseded }
            loading = nil
            if state.captioner != nil {
                let replaced = serving.info?.name
                serving = state
                failure = nil
                return .loaded(replaced: replaced)
            }
            if let kept = serving.info {
                failure = (state.problem ?? "The model in \(info.directory) cannot be loaded.") + " Still using \(kept.name)."
                return .keeping(kept.name)
            }
            serving = state
            failure = nil
            return .failed
        }
        switch outcome {
        case .superseded:
            logInfo("model", "load finished after another model was chosen; discarded", ["path": info.directory])
        case .loaded(let replaced):
            logInfo("model", "model loaded", ["path": info.directory, "name": info.name, "repo": info.repo, "commit": info.commit,
                                              "replaced": replaced, "ms": ms])
        case .keeping(let kept):
            logError("model", "cannot load the new model; keeping the previous one",
                     ["path": info.directory, "keeping": kept, "problem": state.problem])
        case .failed:
            logWarning("model", "no captioning model; photos are described by their quality and text only",
                       ["path": info.directory, "problem": state.problem])
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

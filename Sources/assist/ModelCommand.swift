import Foundation
import IPC
import ModelStore
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `assist model install|list|use|reload`: works on the models directory in this process, as the
/// user who runs it, through ModelStore (docs/models.md), then asks a running assistd to pick up
/// the change with `reload_model`.
///
/// `install` writes the int8 copy and selects it on a device with less than 2 GB of memory
/// (`SystemMemory.isSmallDevice`), or when `--precision int8` asks for it.
///
/// The models directory is `--models DIR`, else the running daemon's (from `status`), else
/// `ModelStore.defaultRoot()`.
enum ModelCommand {
    /// What `--json` prints for a model.
    struct ModelJSON: Encodable {
        var name: String
        var directory: String
        var repo: String?
        var revision: String?
        var commit: String?
        var installedAt: String?
        var size: Int64
        var selected: Bool
        /// `int8` for an int8 copy (absent for a download, which is as the hub has it).
        var precision: String?

        init(_ m: InstalledModel) {
            name = m.name
            directory = m.directory.path
            repo = m.repo
            revision = m.manifest?.revision
            commit = m.commit
            installedAt = m.manifest?.installedAt
            size = m.size
            selected = m.isSelected
            precision = m.manifest?.precision
        }
    }

    /// What a running daemon said to `reload_model` (absent when none answered).
    struct DaemonJSON: Encodable {
        var running: Bool
        /// Why the daemon was not asked or did not answer.
        var problem: String?
        var model: ModelStatus?
    }

    struct InstallJSON: Encodable {
        var ok = true
        var modelsDirectory: String
        var model: ModelJSON
        var alreadyInstalled: Bool
        var bytesDownloaded: Int64
        var resumedFiles: [String]
        var selected: Bool
        /// `fp32` or `int8`: the copy this install selects or would select.
        var precision: String
        /// Why: `flag` (`--precision`), `memory` (less than 2 GB) or `default`.
        var precisionChosenBy: String
        /// MemTotal in bytes, as read (absent when it could not be read).
        var memoryBytes: Int64?
        /// The int8 copy, when `precision` is `int8`.
        var int8Copy: ModelJSON?
        /// True when the int8 copy was written by this install (false: it was up to date).
        var int8Written: Bool?
        var daemon: DaemonJSON
    }

    struct ReloadJSON: Encodable {
        var ok = true
        var daemon: DaemonJSON
    }

    struct ListJSON: Encodable {
        var ok = true
        var modelsDirectory: String
        var models: [ModelJSON]
    }

    struct UseJSON: Encodable {
        var ok = true
        var modelsDirectory: String
        var model: ModelJSON
        var daemon: DaemonJSON
    }

    struct ErrorJSON: Encodable {
        struct Body: Encodable {
            var code: String
            var message: String
        }
        var ok = false
        var error: Body
    }

    /// A failure with the exit code and the `--json` code it means.
    struct Failure: Error {
        var exit: ExitCode
        var code: String
        var message: String
    }

    static func run(_ o: ClientCommand.Options) throws -> ExitCode {
        guard let sub = o.rest.first else {
            throw ClientCommand.UsageError(message: "model needs install, list, use or reload")
        }
        let parsed = try ClientCommand.options(Array(o.rest.dropFirst()), text: ["--revision", "--models", "--precision"])
        let (values, positional) = (parsed.values, parsed.positional)
        do {
            switch sub {
            case "install":
                guard positional.count <= 1 else { throw ClientCommand.UsageError(message: "model install takes at most one REPO_ID") }
                return try install(repo: positional.first ?? ModelStore.defaultRepo, revision: values["--revision"],
                                   models: values["--models"], precision: try precisionChoice(values["--precision"]), o)
            case "reload":
                guard positional.isEmpty, values.isEmpty else { throw ClientCommand.UsageError(message: "model reload takes no arguments") }
                return reload(o)
            case "list":
                guard positional.isEmpty, values["--revision"] == nil, values["--precision"] == nil else {
                    throw ClientCommand.UsageError(message: "model list takes only --models DIR")
                }
                return try list(models: values["--models"], o)
            case "use":
                guard positional.count == 1, values["--revision"] == nil, values["--precision"] == nil else {
                    throw ClientCommand.UsageError(message: "model use needs one NAME (a name from `assist model list`, or a repository id)")
                }
                return try use(positional[0], models: values["--models"], o)
            default:
                throw ClientCommand.UsageError(message: "unknown model command '\(sub)'; expected install, list, use or reload")
            }
        } catch let f as Failure {
            if o.json { JSONOutput.print(ErrorJSON(error: .init(code: f.code, message: f.message))) } else { ClientCommand.say(f.message) }
            return f.exit
        }
    }

    // MARK: - Commands

    /// Which copy `install` selects, and why.
    struct PrecisionChoice {
        var int8: Bool
        /// `flag`, `memory` or `default` (see `InstallJSON.precisionChosenBy`).
        var reason: String
        var memory: SystemMemory?
    }

    /// `--precision fp32|int8`, else int8 on a device with less than 2 GB of memory.
    static func precisionChoice(_ flag: String?) throws -> PrecisionChoice {
        let memory = SystemMemory.current()
        if let flag {
            guard flag == "fp32" || flag == "int8" else {
                throw ClientCommand.UsageError(message: "--precision must be fp32 or int8, not '\(flag)'")
            }
            return PrecisionChoice(int8: flag == "int8", reason: "flag", memory: memory)
        }
        if let memory, memory.isSmallDevice { return PrecisionChoice(int8: true, reason: "memory", memory: memory) }
        return PrecisionChoice(int8: false, reason: "default", memory: memory)
    }

    static func install(repo: String, revision: String?, models: String?, precision: PrecisionChoice,
                        _ o: ClientCommand.Options) throws -> ExitCode {
        let root = modelsDirectory(models, o)
        let store = ModelStore(root: root)
        // The command to suggest names the directory, since another user's default differs.
        let retry = ["model", "install", repo] + (revision.map { ["--revision", $0] } ?? []) + ["--models", root.path]
            + (precision.reason == "flag" ? ["--precision", precision.int8 ? "int8" : "fp32"] : [])
        try checkWritable(root, retry: retry)
        var options = InstallOptions()
        if let revision { options.revision = revision }
        // The int8 copy is selected instead of the download; fp32 chosen by hand is selected.
        if precision.int8 { options.select = .never } else if precision.reason == "flag" { options.select = .always }
        let printer = ProgressPrinter(output: FileHandle.standardError)
        let result: InstallResult
        do {
            result = try store.install(repo, client: HubClient(), options: options, progress: printer.handle)
            printer.finish()
        } catch let e as ModelStoreError {
            printer.finish()
            throw failure(e, context: "Cannot install \(repo)", retry: retry)
        }
        var copy: (model: InstalledModel, written: Bool)?
        if precision.int8 {
            do {
                copy = try int8Copy(of: result.model, store: store)
                _ = try store.use(copy!.model.name)
                copy!.model.isSelected = true
            } catch let e as ModelStoreError {
                throw failure(e, context: "Cannot make the int8 copy of \(result.model.name)", retry: retry)
            }
        }
        let daemon = notifyDaemon(o)
        if o.json {
            JSONOutput.print(InstallJSON(modelsDirectory: root.path, model: ModelJSON(result.model), alreadyInstalled: result.alreadyInstalled,
                                  bytesDownloaded: result.bytesDownloaded, resumedFiles: result.resumedFiles,
                                  selected: result.selected || copy != nil, precision: precision.int8 ? "int8" : "fp32",
                                  precisionChosenBy: precision.reason, memoryBytes: precision.memory?.total,
                                  int8Copy: copy.map { ModelJSON($0.model) }, int8Written: copy?.written, daemon: daemon))
            return .ok
        }
        let m = result.model
        let origin = (m.repo ?? repo) + (m.commit.map { " at commit \($0.prefix(12))" } ?? "")
        if result.alreadyInstalled {
            print("\(m.name) (\(origin)) is already installed in \(root.path).")
        } else {
            var line = "Installed \(m.name) (\(origin), \(ByteCount.format(m.size))) in \(root.path)."
            if !result.resumedFiles.isEmpty { line += " Resumed: \(result.resumedFiles.joined(separator: ", "))." }
            print(line)
        }
        if let copy {
            if precision.reason == "memory", let memory = precision.memory {
                print("This device has \(ByteCount.format(memory.total)) of memory, less than 2 GB, so assist uses the int8 copy, "
                      + "which needs a quarter of the memory (--precision fp32 installs without it).")
            }
            print(copy.written ? "Wrote the int8 copy \(copy.model.name) (\(ByteCount.format(copy.model.size)))."
                               : "The int8 copy \(copy.model.name) is up to date.")
            print("It is now the model in use.")
            print(daemonNote(daemon, model: copy.model))
            return .ok
        }
        if m.isSelected {
            print(result.selected ? "It is now the model in use." : "It is the model in use.")
        } else {
            print("To use it: assist model use \(m.name)")
        }
        if m.isSelected { print(daemonNote(daemon, model: m)) }
        return .ok
    }

    /// The up-to-date int8 copy of `base`, or a new one written by `assistd model quantize`.
    static func int8Copy(of base: InstalledModel, store: ModelStore) throws -> (model: InstalledModel, written: Bool) {
        if let existing = store.int8Copy(of: base) { return (existing, false) }
        guard let assistd = assistdPath() else {
            throw Failure(exit: .notACheckpoint, code: "not_a_checkpoint",
                          message: "Cannot make the int8 copy: assistd, which quantizes models, is not beside \(CommandLine.arguments[0]) "
                              + "or on PATH. Install assistd, or install with --precision fp32.")
        }
        FileHandle.standardError.write(Data("Writing the int8 copy of \(base.name)...\n".utf8))
        let made = try store.installInt8Copy(of: base) { model, output in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: assistd)
            p.arguments = ["model", "quantize", "--model", model.path, "--out", output.path]
            // Its one line of output goes with the progress, so that --json's standard output stays one object.
            p.standardOutput = FileHandle.standardError
            p.standardError = FileHandle.standardError
            do { try p.run() } catch {
                throw Failure(exit: .notACheckpoint, code: "not_a_checkpoint", message: "Cannot start \(assistd): \(error)")
            }
            p.waitUntilExit()
            guard p.terminationReason == .exit, p.terminationStatus == 0 else {
                throw Failure(exit: .notACheckpoint, code: "not_a_checkpoint",
                              message: "Cannot make the int8 copy of \(base.name): `assistd model quantize` "
                                  + (p.terminationReason == .exit ? "exited with status \(p.terminationStatus)" : "was killed by signal \(p.terminationStatus)")
                                  + " (its message is above). The fp32 model is installed; to use it: assist model use \(base.name)")
            }
        }
        return (made, true)
    }

    /// `assistd` beside this `assist` (as the package and the build put them), else on PATH.
    static func assistdPath() -> String? {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("assistd").path
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/assistd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `assist model reload`: asks the daemon to load its model again, also one that was skipped
    /// because its last load stopped assistd or did not fit the memory.
    static func reload(_ o: ClientCommand.Options) -> ExitCode {
        let daemon = notifyDaemon(o)
        if o.json { JSONOutput.print(ReloadJSON(ok: daemon.model != nil, daemon: daemon)) }
        guard let m = daemon.model else {
            if !o.json { ClientCommand.say("Cannot reload the model: \(daemon.problem ?? "no answer").") }
            return daemon.running ? .requestFailed : .notRunning
        }
        if !o.json { print("assistd: " + ClientCommand.modelLine(m)) }
        return .ok
    }

    static func list(models: String?, _ o: ClientCommand.Options) throws -> ExitCode {
        let root = modelsDirectory(models, o)
        let installed: [InstalledModel]
        do { installed = try ModelStore(root: root).list() } catch let e as ModelStoreError {
            throw failure(e, context: "Cannot list the models", retry: ["model", "list"])
        }
        if o.json {
            JSONOutput.print(ListJSON(modelsDirectory: root.path, models: installed.map(ModelJSON.init)))
            return .ok
        }
        guard !installed.isEmpty else {
            print("No models are installed in \(root.path). To install one: assist model install")
            return .ok
        }
        print("Models in \(root.path) (* = in use):")
        let width = installed.map(\.name.count).max() ?? 0
        for m in installed {
            let origin = (m.repo.map { $0 + (m.commit.map { "@" + $0.prefix(12) } ?? "") } ?? "copied by hand")
                + (m.manifest?.precision == "int8" ? ", int8 copy" : "")
            print("\(m.isSelected ? "*" : " ") \(m.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(ByteCount.format(m.size))  \(origin)")
        }
        return .ok
    }

    static func use(_ name: String, models: String?, _ o: ClientCommand.Options) throws -> ExitCode {
        let root = modelsDirectory(models, o)
        let selected: InstalledModel
        do {
            let store = ModelStore(root: root)
            // Checked first, so that an unknown name is reported as such even where this user
            // could not write the link.
            _ = try store.model(named: name)
            try checkWritable(root, retry: ["model", "use", name, "--models", root.path])
            selected = try store.use(name)
        } catch let e as ModelStoreError {
            throw failure(e, context: "Cannot use \(name)", retry: ["model", "use", name, "--models", root.path])
        }
        let daemon = notifyDaemon(o)
        if o.json {
            JSONOutput.print(UseJSON(modelsDirectory: root.path, model: ModelJSON(selected), daemon: daemon))
            return .ok
        }
        print("Now using \(selected.name)" + (selected.repo.map { " (\($0))" } ?? "") + ".")
        print(daemonNote(daemon, model: selected))
        return .ok
    }

    // MARK: - The models directory

    /// `--models DIR`, else the running daemon's models directory, else the user's default.
    static func modelsDirectory(_ flag: String?, _ o: ClientCommand.Options) -> URL {
        if let flag { return URL(fileURLWithPath: flag).standardizedFileURL }
        if case .status(let s)? = try? call(.status, o, timeout: 5) {
            return URL(fileURLWithPath: s.model.modelsDirectory)
        }
        return ModelStore.defaultRoot()
    }

    /// Refuses early, with a sentence that says what to do, when this user cannot write the
    /// models directory (typically a system service's `/var/lib/assist/models`).
    static func checkWritable(_ root: URL, retry: [String]) throws {
        // The store writes into `.partial` first; it may exist with other permissions.
        let partial = root.appendingPathComponent(".partial")
        let probe = FileManager.default.fileExists(atPath: partial.path) ? partial : existingAncestor(root)
        if access(probe.path, W_OK | X_OK) != 0 {
            throw permissionFailure(probe, errno: errno, retry: retry)
        }
    }

    static func existingAncestor(_ url: URL) -> URL {
        var existing = url
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            existing = existing.deletingLastPathComponent()
        }
        return existing
    }

    /// "Cannot write to DIR: Permission denied. It belongs to user assist, ...; run: sudo -u assist assist model ..."
    static func permissionFailure(_ path: URL, errno code: Int32, retry: [String]) -> Failure {
        let directory = existingAncestor(path)
        var st = stat()
        var owner = "another user"
        var command = "sudo -u OWNER"
        if stat(directory.path, &st) == 0 {
            let name = userName(st.st_uid)
            owner = "user \(name)"
            command = "sudo -u \(name)"
        }
        let invocation = ([command, CommandLine.arguments.first ?? "assist"] + retry.map(shellQuote)).joined(separator: " ")
        return Failure(exit: .modelsDirectory, code: "permission_denied",
                       message: "Cannot write to \(directory.path): \(String(cString: strerror(code))). It belongs to \(owner) "
                           + "(assistd's own account, if it runs as a system service); run the command as that user: \(invocation)")
    }

    static func userName(_ uid: uid_t) -> String {
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &pw, &buffer, buffer.count, &result) == 0, result != nil, let name = pw.pw_name else {
            return "\(uid)"
        }
        return String(cString: name)
    }

    static func shellQuote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: - Errors

    /// Maps a ModelStore error to its exit code; the message is `context: ` and ModelStore's own sentence.
    static func failure(_ e: ModelStoreError, context: String, retry: [String]) -> Failure {
        let message = "\(context): \(e.description)" + (e.description.hasSuffix(".") ? "" : ".")
        switch e {
        case .invalidRepoID:
            return Failure(exit: .usage, code: "usage", message: message)
        case .repoNotFound, .revisionNotFound, .modelNotInstalled:
            return Failure(exit: .unknownModel, code: "unknown_model", message: message)
        case .accessDenied:
            return Failure(exit: .forbidden, code: "forbidden", message: message)
        case .httpStatus, .network, .timedOut, .tooManyRedirects, .invalidMetadata, .badContentRange, .interrupted:
            return Failure(exit: .downloadFailed, code: "download_failed", message: message)
        case .sizeMismatch, .checksumMismatch:
            return Failure(exit: .checksumMismatch, code: "checksum_mismatch", message: message)
        case .notACheckpoint, .unsafeFileName:
            return Failure(exit: .notACheckpoint, code: "not_a_checkpoint", message: message)
        case .busy:
            return Failure(exit: .busy, code: "busy", message: message)
        case .io(let path, _, let code) where [EACCES, EPERM, EROFS].contains(code):
            return permissionFailure(URL(fileURLWithPath: path), errno: code, retry: retry)
        case .diskFull, .io, .invalidManifest:
            return Failure(exit: .modelsDirectory, code: "models_directory", message: message)
        }
    }

    // MARK: - The daemon

    static func call(_ body: RequestBody, _ o: ClientCommand.Options, timeout: Double) throws -> ResponseBody {
        let connection = try FrameConnection(path: ClientCommand.socketPath(o))
        return try connection.call(body, timeout: timeout).body
    }

    /// Asks a running daemon to look at its model selection again.
    static func notifyDaemon(_ o: ClientCommand.Options) -> DaemonJSON {
        do {
            switch try call(.reloadModel, o, timeout: o.timeout ?? 15) {
            case .modelReload(let m): return DaemonJSON(running: true, problem: nil, model: m)
            case .failure(let e): return DaemonJSON(running: true, problem: e.message, model: nil)
            default: return DaemonJSON(running: true, problem: "assistd answered reload_model with something else", model: nil)
            }
        } catch UnixSocketError.notListening {
            return DaemonJSON(running: false, problem: "assistd is not running", model: nil)
        } catch {
            return DaemonJSON(running: false, problem: "cannot reach assistd: \(error)", model: nil)
        }
    }

    /// One sentence on what the daemon does with the model now selected.
    static func daemonNote(_ d: DaemonJSON, model: InstalledModel) -> String {
        guard d.running else {
            return d.problem == "assistd is not running"
                ? "assistd is not running; it will use this model when it starts."
                : "assistd was not told (\(d.problem ?? "no answer")); it notices the change within a few seconds."
        }
        guard let m = d.model else { return "assistd did not take the change: \(d.problem ?? "no answer")." }
        if m.source == .config {
            return "assistd uses the model set by `model =` in its config (\(m.path)), not the selection."
        }
        let dir = m.modelsDirectory
        if URL(fileURLWithPath: dir).standardizedFileURL.path
            != model.directory.deletingLastPathComponent().standardizedFileURL.path {
            return "assistd uses the models in \(dir), so it does not see this one."
        }
        if m.state == .loading { return "assistd is loading it now; `assist status` shows when it is ready." }
        if m.state == .loaded, m.name == model.name { return "assistd already uses it." }
        return "assistd could not load it: \(m.problem ?? "unknown reason")"
    }
}

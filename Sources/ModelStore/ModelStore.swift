import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The models directory: installed checkpoints, one directory each, and which one is in use.
///
/// Layout (see docs/models.md):
/// ```
/// <root>/
///   current -> gagan3012--ViTGPT2_vizwiz        symlink naming the selected model
///   gagan3012--ViTGPT2_vizwiz/                  config.json, weights, tokenizer, ..., model.json
///   nlpconnect--vit-gpt2-image-captioning/
///   .partial/<name>/<file>.part                 downloads in progress (resumed by the next install)
///   .partial/<name>.lock                        held while an install of <name> runs
/// ```
/// A directory appears under its name only by a rename of a complete, verified staging
/// directory, so anything listed is whole. Hidden entries are never models.
public final class ModelStore: Sendable {
    /// Installed by `assist model install` without an argument: a ViT-GPT2 captioner fine-tuned
    /// on VizWiz-Captions (photos taken by blind people). See docs/models.md for the choice.
    public static let defaultRepo = "gagan3012/ViTGPT2_vizwiz"
    /// The general-purpose (COCO) alternative.
    public static let alternativeRepo = "nlpconnect/vit-gpt2-image-captioning"
    /// Name of the symlink that selects the model in use.
    public static let currentLinkName = "current"

    public let root: URL

    /// A store at `root` (created on first install). Use `defaultRoot()` for the user's store,
    /// or a system-wide path such as `/var/lib/assist/models`.
    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// `$XDG_DATA_HOME/assist/models`, else `~/.local/share/assist/models` (XDG Base Directory
    /// specification: a relative XDG_DATA_HOME is ignored).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let data = environment["XDG_DATA_HOME"], data.hasPrefix("/") {
            return URL(fileURLWithPath: data).appendingPathComponent("assist/models", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/assist/models", isDirectory: true)
    }

    /// The directory name for a repository id: `owner/name` becomes `owner--name` (the hub's
    /// own cache uses the same separator, which repository names may not contain).
    public static func directoryName(forRepo repo: String) throws -> String {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy(isValidRepoComponent) else {
            throw ModelStoreError.invalidRepoID(repo)
        }
        return parts.joined(separator: "--")
    }

    /// Hub rules for a user, organisation or repository name: letters, digits, `-`, `_`, `.`;
    /// no leading or trailing `-` or `.`, no `--` or `..`, at most 96 characters.
    static func isValidRepoComponent(_ part: Substring) -> Bool {
        guard !part.isEmpty, part.count <= 96,
              part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
              !part.contains("--"), !part.contains(".."),
              let first = part.first, let last = part.last,
              !"-.".contains(first), !"-.".contains(last) else { return false }
        return true
    }

    // MARK: - Listing

    /// Every model in the store, sorted by name: directories holding a `model.json` or, for a
    /// checkpoint copied in by hand, a `config.json`. Hidden entries and `current` are skipped.
    public func list() throws -> [InstalledModel] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: root.path)
        } catch {
            if !FileManager.default.fileExists(atPath: root.path) { return [] }
            throw ModelStoreError.io(path: root.path, operation: "list", errno: EIO)
        }
        let selected = selectedName()
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), name != Self.currentLinkName else { return nil }
            return try? describe(name: name, selected: selected)
        }
    }

    /// The model called `name`: a directory name from `list()` or a repository id.
    public func model(named name: String) throws -> InstalledModel {
        let directory = try resolveName(name)
        guard let model = try? describe(name: directory, selected: selectedName()) else {
            throw ModelStoreError.modelNotInstalled(name: name, available: (try? list())?.map(\.name) ?? [])
        }
        return model
    }

    private func describe(name: String, selected: String?) throws -> InstalledModel {
        let directory = root.appendingPathComponent(name, isDirectory: true)
        var info = stat()
        guard lstat(directory.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ModelStoreError.modelNotInstalled(name: name, available: [])
        }
        let manifestURL = directory.appendingPathComponent(ModelManifest.fileName)
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            let manifest = try ModelManifest.read(manifestURL)
            return InstalledModel(name: name, directory: directory, manifest: manifest,
                                  size: manifest.totalSize, isSelected: name == selected)
        }
        guard DurableFiles.fileSize(directory.appendingPathComponent(CheckpointFiles.config)) != nil else {
            throw ModelStoreError.modelNotInstalled(name: name, available: [])
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let size = files.reduce(Int64(0)) { $0 + (DurableFiles.fileSize(directory.appendingPathComponent($1)) ?? 0) }
        return InstalledModel(name: name, directory: directory, manifest: nil, size: size, isSelected: name == selected)
    }

    private func resolveName(_ name: String) throws -> String {
        if name.contains("/") { return try Self.directoryName(forRepo: name) }
        guard !name.isEmpty, !name.hasPrefix("."), name != Self.currentLinkName, CheckpointFiles.isSafeFileName(name) else {
            throw ModelStoreError.modelNotInstalled(name: name, available: (try? list())?.map(\.name) ?? [])
        }
        return name
    }

    // MARK: - Selection

    /// Makes `name` (a directory name or repository id) the model in use by pointing the
    /// `current` symlink at it. The switch is one `rename(2)` of a new symlink over the old, so a
    /// reader sees either the old model or the new one, never neither.
    @discardableResult
    public func use(_ name: String) throws -> InstalledModel {
        let model = try model(named: name)
        let temp = root.appendingPathComponent(".\(Self.currentLinkName).tmp-\(getpid())")
        unlink(temp.path)
        guard symlink(model.name, temp.path) == 0 else {
            throw ModelStoreError.io(path: temp.path, operation: "symlink", errno: errno)
        }
        do {
            try DurableFiles.rename(temp, to: root.appendingPathComponent(Self.currentLinkName))
        } catch {
            unlink(temp.path)
            throw error
        }
        try DurableFiles.syncDirectory(root)
        var selected = model
        selected.isSelected = true
        return selected
    }

    /// The selected model's directory (the real path, not through the symlink, so a daemon can
    /// tell when the selection changes), or nil when none is selected or it is gone.
    public func currentModelDirectory() -> URL? {
        guard let name = selectedName() else { return nil }
        let directory = root.appendingPathComponent(name, isDirectory: true)
        return DurableFiles.fileSize(directory.appendingPathComponent(CheckpointFiles.config)) != nil ? directory : nil
    }

    /// The selected model, or nil.
    public func currentModel() -> InstalledModel? {
        guard currentModelDirectory() != nil, let name = selectedName() else { return nil }
        return try? describe(name: name, selected: name)
    }

    /// The directory name `current` points at, if it names a plain entry of the store.
    private func selectedName() -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(
            atPath: root.appendingPathComponent(Self.currentLinkName).path),
            !target.contains("/"), !target.hasPrefix(".") else { return nil }
        return target
    }
}

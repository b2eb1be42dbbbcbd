import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How `ModelStore.install` behaves.
public struct InstallOptions: Sendable {
    /// Branch, tag or commit to install.
    public var revision = "main"
    /// Extra attempts per file after a dropped connection or a stall; each resumes the part.
    public var retries = 3
    /// Seconds before the first retry; doubled for each further one.
    public var retryDelay: TimeInterval = 2
    /// Where to take preprocessor_config.json from when the repository has none and its encoder
    /// is ViT-base 224/16 (the VizWiz fine-tunes were pushed without one and were trained with
    /// this checkpoint's image processor). nil: such a repository is refused.
    public var preprocessorFallbackRepo: String? = "google/vit-base-patch16-224-in21k"
    /// Whether the install selects the model.
    public var select = Selection.ifNoneSelected

    public enum Selection: Sendable { case ifNoneSelected, always, never }

    public init() {}
}

extension ModelStore {
    /// Downloads `repo` from the hub into the store and verifies every file against the hub's
    /// metadata (LFS files by SHA-256, the others by size and Git blob SHA-1), then renames the
    /// complete directory into place. An interrupted install leaves only `.partial/` behind,
    /// which the next install of the same repository resumes.
    ///
    /// If the same commit is already installed, nothing is downloaded. A reinstall at a new
    /// commit replaces the old directory in one `renameat2(RENAME_EXCHANGE)` where the file
    /// system supports it.
    ///
    /// - Parameter progress: called on the calling thread for every `InstallEvent`.
    @discardableResult
    public func install(_ repo: String = ModelStore.defaultRepo, client: HubClient = HubClient(),
                        options: InstallOptions = InstallOptions(),
                        progress: @escaping (InstallEvent) -> Void = { _ in }) throws -> InstallResult {
        let name = try Self.directoryName(forRepo: repo)
        let partialRoot = root.appendingPathComponent(".partial", isDirectory: true)
        try DurableFiles.makeDirectory(partialRoot)
        let lock = try DurableFiles.lock(partialRoot.appendingPathComponent("\(name).lock"), name: name)
        defer { DurableFiles.release(lock) }

        let info = try client.modelInfo(repo: repo, revision: options.revision)
        if let existing = try? model(named: name), existing.commit == info.sha, isComplete(existing) {
            let selected = try applySelection(options.select, name: name)
            return InstallResult(model: (try? model(named: name)) ?? existing, alreadyInstalled: true,
                                 bytesDownloaded: 0, resumedFiles: [], selected: selected)
        }

        let selection = try CheckpointFiles.select(from: info.siblings, repo: repo)
        var job = InstallJob(store: self, client: client, options: options, repo: repo,
                             partialDirectory: partialRoot.appendingPathComponent(name, isDirectory: true),
                             progress: progress)
        try DurableFiles.makeDirectory(job.partialDirectory)

        var plan = try selection.files.map { try job.entry(for: $0, repo: repo, commit: info.sha, source: nil) }
        // Small files that decide the rest of the plan come first.
        try job.fetch(plan[0])
        if selection.isSharded, let index = plan.first(where: { $0.name == selection.weights }) {
            try job.fetch(index)
            let data = try Data(contentsOf: job.completeURL(index))
            for shard in try CheckpointFiles.shardNames(index: data, indexName: index.name, repo: repo) {
                guard let file = info.siblings.first(where: { $0.name == shard }) else {
                    throw ModelStoreError.notACheckpoint(repo: repo, reason: "\(index.name) names \(shard), which the repository does not have")
                }
                plan.append(try job.entry(for: file, repo: repo, commit: info.sha, source: nil))
            }
        }
        if selection.lacksPreprocessorConfig {
            plan.append(try job.substitutePreprocessorConfig(configURL: job.completeURL(plan[0])))
        }

        let planned = plan.map { InstallEvent.PlannedFile(name: $0.name, size: $0.size, present: job.bytesPresent($0)) }
        progress(.resolved(repo: repo, commit: info.sha, files: planned))
        let remaining = planned.reduce(Int64(0)) { $0 + $1.size - $1.present }
        if let free = DurableFiles.freeSpace(partialRoot), free < remaining {
            throw ModelStoreError.diskFull(path: root.path, needed: remaining, available: free)
        }

        var manifestFiles: [ModelManifest.File] = []
        for entry in plan {
            let digest = try job.fetch(entry)
            manifestFiles.append(ModelManifest.File(name: entry.name, size: digest.size, sha256: digest.sha256, source: entry.source))
        }

        let manifest = ModelManifest(
            format: ModelManifest.currentFormat, repo: info.id.isEmpty ? repo : info.id, revision: options.revision,
            commit: info.sha, endpoint: client.endpoint.absoluteString,
            installedAt: ISO8601DateFormatter().string(from: Date()), files: manifestFiles)
        try job.assemble(plan: plan, manifest: manifest, into: root.appendingPathComponent(name, isDirectory: true))
        DurableFiles.removeTree(job.partialDirectory)

        let selected = try applySelection(options.select, name: name)
        return InstallResult(model: try model(named: name), alreadyInstalled: false, bytesDownloaded: job.bytesDownloaded,
                             resumedFiles: job.resumedFiles, selected: selected)
    }

    /// True when every file the manifest lists is in the directory with its recorded size.
    func isComplete(_ model: InstalledModel) -> Bool {
        guard let manifest = model.manifest else { return false }
        return manifest.files.allSatisfy { DurableFiles.fileSize(model.directory.appendingPathComponent($0.name)) == $0.size }
    }

    private func applySelection(_ policy: InstallOptions.Selection, name: String) throws -> Bool {
        switch policy {
        case .never: return false
        case .ifNoneSelected where currentModelDirectory() != nil: return false
        case .ifNoneSelected, .always:
            try use(name)
            return true
        }
    }
}

/// One file to fetch and what it must hash to.
struct PlannedDownload {
    var name: String
    var url: URL
    var size: Int64
    var check: Check
    /// `repo@commit` when the file comes from another repository.
    var source: String?

    enum Check: Equatable {
        case sha256(String)
        case gitBlobSHA1(String)

        /// Stored next to a part so that a part made for other content is never resumed.
        var identity: String {
            switch self {
            case .sha256(let hex): return "sha256:\(hex)"
            case .gitBlobSHA1(let hex): return "git-blob-sha1:\(hex)"
            }
        }
    }
}

/// The mutable state of one install: where its parts live, what it downloaded.
struct InstallJob {
    let store: ModelStore
    let client: HubClient
    let options: InstallOptions
    let repo: String
    let partialDirectory: URL
    let progress: (InstallEvent) -> Void
    private(set) var bytesDownloaded: Int64 = 0
    private(set) var resumedFiles: [String] = []
    private var verified: [String: FileDigest] = [:]

    init(store: ModelStore, client: HubClient, options: InstallOptions, repo: String, partialDirectory: URL,
         progress: @escaping (InstallEvent) -> Void) {
        self.store = store
        self.client = client
        self.options = options
        self.repo = repo
        self.partialDirectory = partialDirectory
        self.progress = progress
    }

    func entry(for file: HubFile, repo: String, commit: String, source: String?) throws -> PlannedDownload {
        guard CheckpointFiles.isSafeFileName(file.name), file.name != ModelManifest.fileName else {
            throw ModelStoreError.unsafeFileName(repo: repo, name: file.name)
        }
        guard let size = file.contentSize, size >= 0 else {
            throw ModelStoreError.invalidMetadata(repo: repo, reason: "no size for \(file.name) (was ?blobs=true honoured?)")
        }
        let check: PlannedDownload.Check
        if let lfs = file.lfs {
            guard lfs.sha256.count == 64, lfs.sha256.allSatisfy(\.isHexDigit) else {
                throw ModelStoreError.invalidMetadata(repo: repo, reason: "\(file.name): LFS sha256 '\(lfs.sha256)' is not 64 hex digits")
            }
            check = .sha256(lfs.sha256.lowercased())
        } else {
            guard let blob = file.blobId, blob.count == 40, blob.allSatisfy(\.isHexDigit) else {
                throw ModelStoreError.invalidMetadata(repo: repo, reason: "\(file.name): no Git blob id to check it against")
            }
            check = .gitBlobSHA1(blob.lowercased())
        }
        return PlannedDownload(name: file.name, url: client.resolveURL(repo: repo, commit: commit, file: file.name),
                               size: size, check: check, source: source)
    }

    func partURL(_ entry: PlannedDownload) -> URL { partialDirectory.appendingPathComponent(entry.name + ".part") }
    func completeURL(_ entry: PlannedDownload) -> URL { partialDirectory.appendingPathComponent(entry.name) }
    private func identityURL(_ entry: PlannedDownload) -> URL { partialDirectory.appendingPathComponent(entry.name + ".expect") }

    func bytesPresent(_ entry: PlannedDownload) -> Int64 {
        guard (try? String(contentsOf: identityURL(entry), encoding: .utf8)) == entry.check.identity else { return 0 }
        if let size = DurableFiles.fileSize(completeURL(entry)), size == entry.size { return size }
        return min(DurableFiles.fileSize(partURL(entry)) ?? 0, entry.size)
    }

    /// Brings one file into `.partial/<name>/<file>`, verified, resuming a part when one was
    /// left for the same content, and retrying dropped transfers.
    @discardableResult
    mutating func fetch(_ entry: PlannedDownload) throws -> FileDigest {
        if let digest = verified[entry.name] { return digest }
        let complete = completeURL(entry)
        let part = partURL(entry)
        let identity = identityURL(entry)
        if (try? String(contentsOf: identity, encoding: .utf8)) != entry.check.identity {
            unlink(complete.path)
            unlink(part.path)
            try DurableFiles.write(Data(entry.check.identity.utf8), to: identity)
        }
        if DurableFiles.fileSize(complete) == entry.size {
            // Left verified by an earlier attempt; hashed again for the manifest and against damage.
            let digest = try FileDigest.of(complete)
            try verify(digest, entry)
            verified[entry.name] = digest
            progress(.verified(file: entry.name))
            return digest
        }
        unlink(complete.path)

        var attempt = 0
        while true {
            let offset = DurableFiles.fileSize(part) ?? 0
            progress(.downloading(file: entry.name, offset: min(offset, entry.size), size: entry.size))
            do {
                let name = entry.name
                let size = entry.size
                let report = progress
                let outcome = try client.download(entry.url, file: entry.name, to: part, expectedSize: entry.size) { bytes in
                    report(.progress(file: name, bytes: bytes, size: size))
                }
                bytesDownloaded += outcome.received
                if outcome.resumedFrom > 0 && outcome.received > 0 { resumedFiles.append(entry.name) }
                break
            } catch let error as ModelStoreError {
                if case .interrupted = error {} else if case .timedOut = error {} else if case .network = error {} else { throw error }
                bytesDownloaded += max(0, (DurableFiles.fileSize(part) ?? 0) - offset)
                guard attempt < options.retries else { throw error }
                attempt += 1
                let delay = options.retryDelay * pow(2, Double(attempt - 1))
                progress(.retrying(file: entry.name, attempt: attempt, delay: delay, reason: error.description))
                Thread.sleep(forTimeInterval: delay)
            }
        }

        let digest = try FileDigest.of(part)
        do {
            try verify(digest, entry)
        } catch {
            // A part with the wrong content must not be resumed by the next attempt.
            unlink(part.path)
            throw error
        }
        try DurableFiles.rename(part, to: complete)
        try DurableFiles.syncDirectory(partialDirectory)
        verified[entry.name] = digest
        progress(.verified(file: entry.name))
        return digest
    }

    private func verify(_ digest: FileDigest, _ entry: PlannedDownload) throws {
        guard digest.size == entry.size else {
            throw ModelStoreError.sizeMismatch(file: entry.name, expected: entry.size, actual: digest.size)
        }
        switch entry.check {
        case .sha256(let expected) where digest.sha256 != expected:
            throw ModelStoreError.checksumMismatch(file: entry.name, algorithm: "SHA-256", expected: expected, actual: digest.sha256)
        case .gitBlobSHA1(let expected) where digest.gitBlobSHA1 != expected:
            throw ModelStoreError.checksumMismatch(file: entry.name, algorithm: "Git blob SHA-1", expected: expected, actual: digest.gitBlobSHA1)
        default:
            break
        }
    }

    /// The plan entry for preprocessor_config.json taken from `options.preprocessorFallbackRepo`,
    /// allowed only for a ViT encoder with 224x224 input and 16x16 patches (the shapes of
    /// google/vit-base-patch16-224-in21k, whose ViTImageProcessor settings then apply).
    func substitutePreprocessorConfig(configURL: URL) throws -> PlannedDownload {
        let refuse = { (why: String) in
            ModelStoreError.notACheckpoint(repo: repo, reason: "it has no preprocessor_config.json, \(why)")
        }
        guard let fallback = options.preprocessorFallbackRepo else { throw refuse("and no substitute was allowed") }
        let config = (try? JSONSerialization.jsonObject(with: Data(contentsOf: configURL))) as? [String: Any]
        let encoder = config?["encoder"] as? [String: Any]
        guard let encoder, encoder["model_type"] as? String == "vit",
              (encoder["image_size"] as? Int ?? 224) == 224, (encoder["patch_size"] as? Int ?? 16) == 16 else {
            throw refuse("and its encoder is not a 224x224, patch-16 ViT whose image processor settings are known")
        }
        let info = try client.modelInfo(repo: fallback, revision: "main")
        guard let file = info.siblings.first(where: { $0.name == CheckpointFiles.preprocessorConfig }) else {
            throw refuse("and \(fallback) has none either")
        }
        progress(.note("\(repo) has no preprocessor_config.json; using the one from \(fallback), the encoder it was fine-tuned from"))
        return try entry(for: file, repo: fallback, commit: info.sha, source: "\(fallback)@\(info.sha)")
    }

    /// Builds the model directory in a hidden staging directory (hard links to the verified
    /// files, so the parts survive a crash here), writes model.json, and renames it into place.
    func assemble(plan: [PlannedDownload], manifest: ModelManifest, into target: URL) throws {
        let staging = partialDirectory.deletingLastPathComponent()
            .appendingPathComponent("\(target.lastPathComponent).staging-\(getpid())", isDirectory: true)
        DurableFiles.removeTree(staging)
        try DurableFiles.makeDirectory(staging)
        do {
            for entry in plan {
                let from = completeURL(entry)
                let to = staging.appendingPathComponent(entry.name)
                if link(from.path, to.path) != 0 {
                    try DurableFiles.rename(from, to: to)
                }
            }
            try DurableFiles.write(try manifest.encoded(), to: staging.appendingPathComponent(ModelManifest.fileName))
            try DurableFiles.syncDirectory(staging)

            try DurableFiles.moveIntoPlace(staging, at: target)
        } catch {
            DurableFiles.removeTree(staging)
            throw error
        }
    }
}

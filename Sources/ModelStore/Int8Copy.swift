import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The int8 copy of an installed model: `<name>--int8` beside it, holding the copied config,
/// preprocessor and tokenizer files and `model.int8.safetensors`, with a `model.json` that says
/// `"precision": "int8"` and which model and commit it was made from (docs/models.md). A
/// repository's directory name has at most one `--`, so the copy's name never collides with one.
///
/// The quantizer itself is Vision's (`assistd model quantize`); the store only stages, records,
/// and renames the result into place, like a download.
extension ModelStore {
    public static let int8Suffix = "--int8"

    /// The directory name of `name`'s int8 copy.
    public static func int8Name(of name: String) -> String { name + int8Suffix }

    /// The int8 copy of `base`, if there is one made from the same repository and commit with
    /// every file it lists present.
    public func int8Copy(of base: InstalledModel) -> InstalledModel? {
        guard let copy = try? model(named: Self.int8Name(of: base.name)), let manifest = copy.manifest,
              manifest.precision == "int8", manifest.quantizedFrom == base.name,
              manifest.repo == base.repo, manifest.commit == base.commit, isComplete(copy) else { return nil }
        return copy
    }

    /// Makes `base`'s int8 copy: `quantize(model, output)` writes the copy's files into an empty
    /// staging directory under `.partial/`; the store then hashes them into `model.json` and
    /// renames the directory into place (replacing an older copy in one step). Nothing appears
    /// under the copy's name unless every step succeeded.
    public func installInt8Copy(of base: InstalledModel,
                                quantize: (_ model: URL, _ output: URL) throws -> Void) throws -> InstalledModel {
        let name = Self.int8Name(of: base.name)
        let partialRoot = root.appendingPathComponent(".partial", isDirectory: true)
        try DurableFiles.makeDirectory(partialRoot)
        let lock = try DurableFiles.lock(partialRoot.appendingPathComponent("\(name).lock"), name: name)
        defer { DurableFiles.release(lock) }
        let staging = partialRoot.appendingPathComponent("\(name).staging-\(getpid())", isDirectory: true)
        DurableFiles.removeTree(staging)
        try DurableFiles.makeDirectory(staging)
        do {
            try quantize(base.directory, staging)
            var files: [ModelManifest.File] = []
            for file in try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted()
            where file != ModelManifest.fileName {
                let digest = try FileDigest.of(staging.appendingPathComponent(file))
                files.append(ModelManifest.File(name: file, size: digest.size, sha256: digest.sha256))
            }
            var manifest = ModelManifest(
                format: ModelManifest.currentFormat, repo: base.repo ?? base.name, revision: base.manifest?.revision ?? "",
                commit: base.commit ?? "", endpoint: base.manifest?.endpoint ?? "",
                installedAt: ISO8601DateFormatter().string(from: Date()), files: files)
            manifest.precision = "int8"
            manifest.quantizedFrom = base.name
            try DurableFiles.write(try manifest.encoded(), to: staging.appendingPathComponent(ModelManifest.fileName))
            try DurableFiles.syncDirectory(staging)
            try DurableFiles.moveIntoPlace(staging, at: root.appendingPathComponent(name, isDirectory: true))
        } catch {
            DurableFiles.removeTree(staging)
            throw error
        }
        return try model(named: name)
    }
}

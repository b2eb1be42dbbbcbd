import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `model-loading.json` in the state directory: written durably before a model load starts and
/// removed when the load ends, whether it loaded the model or failed with an error. A marker
/// found at start-up means the last load ended the process (a crash in the checkpoint reader, an
/// out-of-memory kill), so `ModelLoader` skips that model instead of loading it again and again
/// under `Restart=on-failure`.
///
/// The marker names the model by its directory's real path and identity and by every weight
/// file's size and modification time, so a reinstall, a repaired file or another model is not
/// mistaken for the one that crashed.
struct ModelLoadMarker: Codable, Equatable, Sendable {
    static let fileName = "model-loading.json"

    /// One weight file of the model directory, by name.
    struct WeightFile: Codable, Equatable, Sendable {
        var name: String
        var size: Int64
        var modified: Int64
    }

    var path: String
    var device: UInt64
    var inode: UInt64
    var configInode: UInt64
    var configModified: Int64
    var weights: [WeightFile]
    /// The process that wrote it, and when (seconds since 1970), for the log and `status`.
    var pid: Int32
    var started: Double

    enum CodingKeys: String, CodingKey {
        case path, device, inode, weights, pid, started
        case configInode = "config_inode", configModified = "config_modified"
    }

    /// The weight files a model directory may hold, as `Checkpoint` and the int8 loader look for them.
    static let weightFileNames = ["model.int8.safetensors", "model.safetensors", "model.safetensors.index.json",
                                  "pytorch_model.bin", "pytorch_model.bin.index.json"]

    init(directory: String, identity: ModelLoader.Identity, pid: Int32 = getpid(), started: Double = Date().timeIntervalSince1970) {
        path = directory
        device = identity.device
        inode = identity.inode
        configInode = identity.configInode
        configModified = identity.configModified
        weights = Self.weightFiles(in: directory)
        self.pid = pid
        self.started = started
    }

    /// The weight files present, with their size and mtime (following symbolic links). Shards
    /// named by an index are covered by the index file's own identity and the directory's.
    static func weightFiles(in directory: String) -> [WeightFile] {
        weightFileNames.compactMap { name in
            var st = stat()
            guard stat(directory + "/" + name, &st) == 0 else { return nil }
            return WeightFile(name: name, size: Int64(st.st_size),
                              modified: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
        }
    }

    /// True when this marker was written for the model now at `directory` with `identity`.
    func names(directory: String, identity: ModelLoader.Identity) -> Bool {
        path == directory && device == identity.device && inode == identity.inode && configInode == identity.configInode
            && configModified == identity.configModified && weights == Self.weightFiles(in: directory)
    }

    static func url(stateDirectory: String) -> String { stateDirectory + "/" + fileName }

    /// The marker left in `stateDirectory`, or nil. An unreadable marker is reported and removed:
    /// it cannot name a model, and must not keep every model from loading.
    static func read(stateDirectory: String) -> ModelLoadMarker? {
        let path = url(stateDirectory: stateDirectory)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ModelLoadMarker.self, from: data)
        } catch {
            logWarning("model", "the loading marker cannot be read; removing it", ["path": path, "reason": "\(error)"])
            remove(stateDirectory: stateDirectory)
            return nil
        }
    }

    /// Writes the marker durably (temp file, fsync, rename, directory fsync): it must be on disk
    /// before the load can crash.
    func write(stateDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeDurably(try encoder.encode(self) + Data("\n".utf8), to: Self.url(stateDirectory: stateDirectory), mode: 0o600)
    }

    /// Removes the marker and syncs the directory, so a load that ended is not taken for a crash
    /// after a power cut.
    static func remove(stateDirectory: String) {
        let path = url(stateDirectory: stateDirectory)
        guard unlink(path) == 0 || errno != ENOENT else { return }
        try? FileSystem.syncDirectory(stateDirectory)
    }

    /// When the crashed load started, as a UTC timestamp for the problem text.
    var startedText: String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date(timeIntervalSince1970: started))
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An fp32 view of one checkpoint tensor, row-major, in the checkpoint's own layout.
///
/// The memory stays valid for the life of the `Checkpoint` that returned it.
/// Unchecked Sendable because a read-only view: nothing writes the data it points at.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let data: UnsafeBufferPointer<Float>
    public var count: Int { data.count }
}

/// Errors that name the file, the key and both shapes.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case invalidFile(String, reason: String)
    case missingTensor(String)
    case unexpectedTensors([String])
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case unsupportedDType(key: String, dtype: String)

    public var description: String {
        switch self {
        case .missingFile(let f): return "model file missing: \(f)"
        case .invalidFile(let f, let r): return "invalid model file \(f): \(r)"
        case .missingTensor(let k): return "checkpoint has no tensor \(k)"
        case .unexpectedTensors(let ks):
            return "checkpoint has unexpected tensors: \(ks.prefix(8).joined(separator: ", "))" + (ks.count > 8 ? " and \(ks.count - 8) more" : "")
        case .shapeMismatch(let k, let e, let f): return "tensor \(k) has shape \(f), expected \(e)"
        case .unsupportedDType(let k, let d): return "tensor \(k) has unsupported dtype \(d)"
        }
    }
}

/// A state dict read from `model.safetensors` or `pytorch_model.bin` (or their sharded
/// `*.index.json` forms).
///
/// Strict in the way whisper.cpp's loader is: every tensor the model asks for must exist with the
/// exact shape, and `finish()` reports tensors the model never asked for.
///
/// Files are memory-mapped read-only, and `load` reads only the tensor table (names, types,
/// shapes, strides, all bounds-checked against the files). fp32 tensors are views into the map
/// (no copy); fp16, bf16 and fp64 tensors, and tensors stored with non-contiguous strides, become
/// fp32 buffers the first time `tensor(_:shape:)` asks for them with their exact shape, so a
/// hostile file cannot make the loader allocate for a tensor the model never takes. The copies
/// a checkpoint could ever make are bounded at load by `maxConvertedBytes(fileBytes:)`.
/// Integer and bool tensors (old causal-mask buffers, position ids) are listed but refused by
/// `tensor(_:shape:)`. After `load` the tensor table never changes; `tensor`, `contains`, `shape`
/// and `finish` may be called from any thread.
/// Unchecked Sendable because its entries point into read-only mappings and everything that
/// changes after `load` (`converted`, `taken`, `ignored`, the arena) is touched only under `lock`.
public final class Checkpoint: @unchecked Sendable {
    private struct Entry {
        var raw: RawTensor
        var shape: [Int] { raw.shape }
        var dtype: DType { raw.dtype }
    }

    /// The weight files this checkpoint was read from, in load order.
    public let files: [URL]
    private let mapped: [MappedFile]
    private let arena: TensorArena
    private let entries: [String: Entry]
    private let lock = NSLock()
    /// fp32 data of the floating tensors asked for so far; guarded by `lock`.
    private var converted: [String: UnsafeBufferPointer<Float>] = [:]
    private var taken = Set<String>()
    private var ignored: [String] = []

    /// Key suffixes that are legitimately unused by the model (e.g. attention bias buffers);
    /// `finish()` does not report them.
    public var ignoredKeyPatterns: [String] {
        get { lock.withLock { ignored } }
        set { lock.withLock { ignored = newValue } }
    }

    public var keys: [String] { entries.keys.sorted() }

    /// Weight file names `load(directory:)` looks for, in order of preference.
    public static let weightFileNames = [
        "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
    ]

    /// Loads the weights of a Hugging Face model directory: `model.safetensors`, else
    /// `pytorch_model.bin`, else a sharded `*.index.json` of either (the order transformers'
    /// `from_pretrained` prefers safetensors in).
    public static func load(directory: URL) throws -> Checkpoint {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw CheckpointError.missingFile(directory.path)
        }
        guard isDirectory.boolValue else {
            throw CheckpointError.invalidFile(directory.path, reason: "not a directory")
        }
        for name in weightFileNames {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            if name.hasSuffix(".index.json") { return try Checkpoint(index: url) }
            return try Checkpoint(files: [url])
        }
        throw CheckpointError.missingFile(directory.appendingPathComponent("model.safetensors").path
            + " (nor pytorch_model.bin or a sharded *.index.json)")
    }

    /// Loads one weight file; the format is taken from its name (`.safetensors`, else torch zip).
    public static func load(file: URL) throws -> Checkpoint {
        try Checkpoint(files: [file])
    }

    private init(files: [URL]) throws {
        var mapped: [MappedFile] = []
        var raw: [String: RawTensor] = [:]
        for url in files {
            let file = try MappedFile(path: url.path)
            mapped.append(file)
            let tensors = url.pathExtension == "safetensors"
                ? try SafetensorsReader.read(file) : try TorchArchiveReader.read(file)
            for (key, t) in tensors {
                guard raw[key] == nil else {
                    throw CheckpointError.invalidFile(url.path, reason: "tensor \(key) also appears in an earlier shard")
                }
                raw[key] = t
            }
        }
        let fileBytes = mapped.reduce(0) { $0 + $1.count }
        var copies = 0
        for (_, t) in raw where t.dtype.isFloatingPoint {
            let (sum, overflow) = copies.addingReportingOverflow(t.convertedBytes)
            copies = overflow ? Int.max : sum
        }
        let limit = Self.maxConvertedBytes(fileBytes: fileBytes)
        guard copies <= limit else {
            throw CheckpointError.invalidFile(files.map(\.path).joined(separator: ", "),
                reason: "its tensors would need \(copies) bytes of fp32 copies, more than the \(limit) bytes \(fileBytes) bytes of weights can legitimately need")
        }
        let arena = TensorArena()
        var entries: [String: Entry] = [:]
        for (key, t) in raw { entries[key] = Entry(raw: t) }
        self.files = files
        self.mapped = mapped
        self.arena = arena
        self.entries = entries
    }

    /// The most fp32 copies (bytes) weight files of `fileBytes` bytes may need: every element
    /// widened from 2 to 4 bytes, and every storage used by two tensors (a tied head saved beside
    /// its embedding), so 4x the files, plus 1 MiB for small files' alignment copies. Honest
    /// checkpoints stay below it; a crafted table of broadcast views does not.
    public static func maxConvertedBytes(fileBytes: Int) -> Int {
        let (product, overflow) = fileBytes.multipliedReportingOverflow(by: 4)
        return overflow ? Int.max : product + (1 << 20)
    }

    /// `{"weight_map": {key: shard file}}`, as `save_pretrained` writes for large models.
    private convenience init(index url: URL) throws {
        struct Index: Decodable {
            var weightMap: [String: String]
            enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
        }
        let map = try ModelJSON.decode(Index.self, from: url).weightMap
        let directory = url.deletingLastPathComponent()
        let shards = Set(map.values).sorted().map { name -> URL in
            directory.appendingPathComponent(name)
        }
        for shard in shards where !FileManager.default.fileExists(atPath: shard.path) {
            throw CheckpointError.missingFile(shard.path)
        }
        try self.init(files: shards)
        for key in map.keys.sorted() where entries[key] == nil {
            throw CheckpointError.invalidFile(url.path, reason: "weight_map lists \(key), which no shard holds")
        }
    }

    /// The tensor `key`, which must have exactly `shape`.
    ///
    /// - Throws: `missingTensor`, `shapeMismatch` (naming the key and both shapes), or
    ///   `unsupportedDType` for an integer or bool tensor.
    public func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        guard let e = entries[key] else { throw CheckpointError.missingTensor(key) }
        guard e.shape == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: e.shape) }
        guard e.dtype.isFloatingPoint else { throw CheckpointError.unsupportedDType(key: key, dtype: e.dtype.rawValue) }
        let data = lock.withLock { () -> UnsafeBufferPointer<Float> in
            taken.insert(key)
            if let done = converted[key] { return done }
            let made = e.raw.floats(owner: arena)
            converted[key] = made
            return made
        }
        return Tensor(shape: shape, data: data)
    }

    /// Calls `body` with the fp32 data of `key` (exactly `shape`) without keeping it, for the
    /// streaming quantizer, which reads each tensor once: a view into the map whose pages are
    /// dropped from this process afterwards (`MADV_DONTNEED`; they stay in the page cache), or a
    /// conversion freed when `body` returns. Marks the key taken, like `tensor`.
    func withTemporaryFloats<R>(_ key: String, shape: [Int], _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        guard let e = entries[key] else { throw CheckpointError.missingTensor(key) }
        guard e.shape == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: e.shape) }
        guard e.dtype.isFloatingPoint else { throw CheckpointError.unsupportedDType(key: key, dtype: e.dtype.rawValue) }
        lock.withLock { _ = taken.insert(key) }
        let raw = e.raw
        defer {
            if raw.isContiguous { Self.dropPages(raw.base, bytes: raw.count * raw.dtype.size) }
        }
        let scratch = TensorArena()
        return try withExtendedLifetime(scratch) { try body(raw.floats(owner: scratch)) }
    }

    /// Releases the resident pages of a mapped range, widened to whole pages: private read-only
    /// file pages are only dropped from this process and read again from the file if touched.
    private static func dropPages(_ start: UnsafeRawPointer, bytes: Int) {
        guard bytes > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: start) / page * page
        let end = (Int(bitPattern: start) + bytes + page - 1) / page * page
        _ = madvise(UnsafeMutableRawPointer(bitPattern: first), end - first, Int32(MADV_DONTNEED))
    }

    /// Whether the checkpoint holds `key` (for optional tensors such as `enc_to_dec_proj`).
    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// The stored shape of `key`, if present (for checks before asking for a tensor).
    public func shape(of key: String) -> [Int]? { entries[key]?.shape }

    /// Keys whose fp32 data has been made so far, sorted, so tests can tell lazy from eager.
    var convertedKeys: [String] { lock.withLock { converted.keys.sorted() } }

    /// The address range of the first mapped weight file, so tests can tell views from copies.
    var mappedRange: Range<UnsafeRawPointer>? {
        guard let first = mapped.first, let base = first.bytes.baseAddress else { return nil }
        return base..<(base + first.count)
    }

    /// The element type `key` is stored as (`F32`, `F16`, `BF16`, `I64`, ...), if present.
    public func storedDType(of key: String) -> String? { entries[key]?.dtype.rawValue }

    /// Throws if the checkpoint holds tensors that were never taken and are not ignored.
    public func finish() throws {
        let left = lock.withLock {
            entries.keys.filter { k in !taken.contains(k) && !ignored.contains { k.hasSuffix($0) } }
        }
        if !left.isEmpty { throw CheckpointError.unexpectedTensors(left.sorted()) }
    }
}

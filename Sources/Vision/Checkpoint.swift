import Foundation

/// An fp32 view of one checkpoint tensor, row-major, in the checkpoint's own layout.
///
/// The memory stays valid for the life of the `Checkpoint` that returned it.
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

/// A state dict read from `model.safetensors` or `pytorch_model.bin`.
///
/// Strict in the way whisper.cpp's loader is: every tensor the model asks for must exist with the
/// exact shape, and `finish()` reports tensors the model never asked for.
public final class Checkpoint: @unchecked Sendable {
    // NOTE(skeleton): a minimal safetensors reader so the model can be written against this API;
    // the checkpoint work replaces the internals (mmap, fp16/bf16, pytorch_model.bin).
    private let storage: Data
    private var entries: [String: (shape: [Int], offset: Int, count: Int)] = [:]
    private var taken = Set<String>()
    /// Keys that are legitimately absent from the model's use (e.g. attention bias buffers).
    public var ignoredKeyPatterns: [String] = []

    public var keys: [String] { entries.keys.sorted() }

    public static func load(directory: URL) throws -> Checkpoint {
        let st = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: st.path) else {
            throw CheckpointError.missingFile(st.path)
        }
        return try Checkpoint(safetensors: st)
    }

    init(safetensors url: URL) throws {
        storage = try Data(contentsOf: url, options: .alwaysMapped)
        guard storage.count >= 8 else { throw CheckpointError.invalidFile(url.path, reason: "shorter than 8 bytes") }
        let n = storage.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self).littleEndian) }
        guard n > 0, 8 + n <= storage.count,
              let header = try JSONSerialization.jsonObject(with: storage.subdata(in: 8..<8 + n)) as? [String: Any]
        else { throw CheckpointError.invalidFile(url.path, reason: "bad safetensors header") }
        for (key, value) in header where key != "__metadata__" {
            guard let v = value as? [String: Any], let dtype = v["dtype"] as? String,
                  let shape = v["shape"] as? [Int], let offs = v["data_offsets"] as? [Int], offs.count == 2
            else { throw CheckpointError.invalidFile(url.path, reason: "bad entry \(key)") }
            guard dtype == "F32" else { throw CheckpointError.unsupportedDType(key: key, dtype: dtype) }
            entries[key] = (shape, 8 + n + offs[0], (offs[1] - offs[0]) / 4)
        }
    }

    /// The tensor `key`, which must have exactly `shape`.
    public func tensor(_ key: String, shape: [Int]) throws -> Tensor {
        guard let e = entries[key] else { throw CheckpointError.missingTensor(key) }
        guard e.shape == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: e.shape) }
        taken.insert(key)
        let base = storage.withUnsafeBytes { $0.baseAddress! }
        let p = (base + e.offset).assumingMemoryBound(to: Float.self)
        return Tensor(shape: shape, data: UnsafeBufferPointer(start: p, count: e.count))
    }

    /// Whether the checkpoint holds `key` (for optional tensors such as `enc_to_dec_proj`).
    public func contains(_ key: String) -> Bool { entries[key] != nil }

    /// Throws if the checkpoint holds tensors that were never taken and are not ignored.
    public func finish() throws {
        let left = entries.keys.filter { k in !taken.contains(k) && !ignoredKeyPatterns.contains { k.hasSuffix($0) } }
        if !left.isEmpty { throw CheckpointError.unexpectedTensors(left.sorted()) }
    }
}

import Foundation

/// Where `ModelWeights` takes its tensors from: an fp32 checkpoint (views, or quantized while
/// loading) or a quantized file. Owns whatever memory the returned pointers point into.
protocol WeightSource: AnyObject {
    /// Whether the source holds `key`.
    func contains(_ key: String) -> Bool
    /// Throws `missingTensor` or `shapeMismatch` (naming the key and both shapes) unless `key` is
    /// stored with `shape`, reading only the stored shape. `matrix` gives a matrix row's
    /// features, for a source that stores matrices in its own layout.
    func checkShape(_ key: String, _ shape: [Int], matrix: (out: Int, in: Int)?) throws
    /// An fp32 tensor of exactly `shape`.
    func floats(_ key: String, shape: [Int]) throws -> UnsafePointer<Float>
    /// The 2-D weight `key` (stored `shape` in the fp32 checkpoint) as a `Dense` with `bias`.
    func dense(_ key: String, shape: [Int], outFeatures: Int, inFeatures: Int, inOut: Bool,
               bias: UnsafePointer<Float>?) throws -> Dense
    /// Takes a tensor the model never computes with (checked by `checkShape`), so that
    /// `finish` does not report it.
    func takeUnused(_ key: String, shape: [Int]) throws
    /// A stored copy of a tied weight (the LM head) must equal the weight it is tied to.
    func checkTiedCopy(_ key: String, of tiedTo: String, shape: [Int]) throws
    /// Fails on tensors nobody took (except keys ending in one of `ignoring`).
    func finish(ignoring: [String]) throws
}

/// Weights from an fp32 (or fp16/bf16, widened) Hugging Face checkpoint. With `quantize`, every
/// matrix becomes int8 rows with per-row scales in memory this source owns.
final class CheckpointSource: WeightSource {
    let checkpoint: Checkpoint
    let quantize: Bool
    private var owned: [UnsafeMutableRawPointer] = []

    init(checkpoint: Checkpoint, quantize: Bool) {
        self.checkpoint = checkpoint
        self.quantize = quantize
    }

    deinit { for p in owned { p.deallocate() } }

    func contains(_ key: String) -> Bool { checkpoint.contains(key) }

    func checkShape(_ key: String, _ shape: [Int], matrix: (out: Int, in: Int)?) throws {
        guard let stored = checkpoint.shape(of: key) else { throw CheckpointError.missingTensor(key) }
        guard stored == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: stored) }
    }

    func floats(_ key: String, shape: [Int]) throws -> UnsafePointer<Float> {
        try checkpoint.tensor(key, shape: shape).data.baseAddress!
    }

    func dense(_ key: String, shape: [Int], outFeatures n: Int, inFeatures k: Int, inOut: Bool,
               bias: UnsafePointer<Float>?) throws -> Dense {
        let w = try checkpoint.tensor(key, shape: shape).data.baseAddress!
        guard quantize else {
            return Dense(storage: inOut ? .inOut(w) : .outIn(w), bias: bias, inFeatures: k, outFeatures: n)
        }
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, n * k))
        let s = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
        owned.append(UnsafeMutableRawPointer(q)); owned.append(UnsafeMutableRawPointer(s))
        QuantizedRows.quantize(w, outFeatures: n, inFeatures: k, transposed: inOut, q: q, scale: s)
        let rows = QuantizedRows(q: q, scale: s)
        return Dense(storage: .int8(rows), bias: bias, inFeatures: k, outFeatures: n)
    }

    func takeUnused(_ key: String, shape: [Int]) throws {
        if checkpoint.contains(key) { _ = try checkpoint.tensor(key, shape: shape) }
    }

    func checkTiedCopy(_ key: String, of tiedTo: String, shape: [Int]) throws {
        guard checkpoint.contains(key) else { return }
        let head = try checkpoint.tensor(key, shape: shape), tied = try checkpoint.tensor(tiedTo, shape: shape)
        if memcmp(head.data.baseAddress!, tied.data.baseAddress!, head.count * MemoryLayout<Float>.size) != 0 {
            throw ModelError.tiedWeightsDiffer(key: key, tiedTo: tiedTo)
        }
    }

    func finish(ignoring: [String]) throws {
        checkpoint.ignoredKeyPatterns += ignoring
        try checkpoint.finish()
    }
}

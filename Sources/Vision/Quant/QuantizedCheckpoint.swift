import Foundation

/// The int8 model file `model.int8.safetensors` that `assistd model quantize` writes next to a
/// copy of the model directory's config, preprocessor and tokenizer files, and that the loader
/// memory-maps instead of `model.safetensors`.
///
/// Format (docs/quantization.md): a safetensors file (8-byte little-endian header length, JSON
/// header, data) with `__metadata__ = {"format": "assist-int8", "version": "1"}`, holding
///  - every fp32 tensor the model reads that is not a matrix (LayerNorms, biases, `cls_token`,
///    position embeddings, `wpe`), under its checkpoint key, dtype F32, checkpoint shape;
///  - every matrix (the `.matrix` rows of `ModelWeights.keyTable`: ViT and GPT-2 projections, the patch embedding,
///    `enc_to_dec_proj`, `wte` = the tied LM head) as `<key>.qweight`, dtype I8, shape
///    `(out, in)` whatever the checkpoint layout, and `<key>.qscale`, dtype F32, shape `(out)`,
///    with `W[o, i] ≈ qweight[o, i] * qscale[o]` (see `QuantizedRows`).
/// All F32 data comes first so every tensor is aligned for direct views into the mapping; the
/// fp32 checkpoint is never opened in int8 mode, so its pages never become resident.
enum QuantizedCheckpoint {
    static let fileName = "model.int8.safetensors"
    static let format = "assist-int8", version = "1"
    static let qweight = ".qweight", qscale = ".qscale"

    /// Writes the quantized weights that `source` (a `CheckpointSource` with `quantize`, after
    /// `ModelWeights` took everything) produced.
    static func write(_ source: CheckpointSource, to url: URL) throws {
        var entries: [(key: String, dtype: String, shape: [Int], bytes: UnsafeRawBufferPointer)] = []
        for f in source.keptFloats {
            entries.append((f.key, "F32", f.shape, UnsafeRawBufferPointer(start: f.data, count: f.shape.reduce(1, *) * 4)))
        }
        for m in source.quantized {
            entries.append((m.key + qscale, "F32", [m.out], UnsafeRawBufferPointer(start: m.rows.scale, count: m.out * 4)))
        }
        for m in source.quantized {
            entries.append((m.key + qweight, "I8", [m.out, m.in], UnsafeRawBufferPointer(start: m.rows.q, count: m.out * m.in)))
        }
        var header: [String: ModelJSONValue] = ["__metadata__": ["format": .string(format), "version": .string(version)]]
        var offset = 0
        for e in entries {
            header[e.key] = ["dtype": .string(e.dtype), "shape": .array(e.shape.map { .int($0) }),
                             "data_offsets": [.int(offset), .int(offset + e.bytes.count)]]
            offset += e.bytes.count
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var json = try encoder.encode(header)
        while json.count % 8 != 0 { json.append(0x20) }
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let out = try? FileHandle(forWritingTo: url) else {
            throw CheckpointError.invalidFile(url.path, reason: "cannot create")
        }
        defer { try? out.close() }
        var length = UInt64(json.count).littleEndian
        try out.write(contentsOf: Data(bytes: &length, count: 8))
        try out.write(contentsOf: json)
        for e in entries where e.bytes.count > 0 { try out.write(contentsOf: Data(e.bytes)) }
    }
}

/// Weights from `model.int8.safetensors`: views into the mapping, nothing copied.
final class QuantizedSource: WeightSource {
    let file: MappedFile
    private let tensors: [String: RawTensor]
    private var taken = Set<String>()

    init(url: URL) throws {
        file = try MappedFile(path: url.path)
        tensors = try SafetensorsReader.read(file)
        // SafetensorsReader has validated the header's length and JSON; only the metadata is new here.
        struct Header: Decodable {
            var metadata: [String: String]?
            enum CodingKeys: String, CodingKey { case metadata = "__metadata__" }
        }
        let headerLength = Int(file.le(UInt64.self, at: 0))
        let meta = try ModelJSON.decode(Header.self, from: Data(file.bytes[8..<(8 + headerLength)]), file: url.path).metadata
        guard meta?["format"] == QuantizedCheckpoint.format, meta?["version"] == QuantizedCheckpoint.version else {
            throw CheckpointError.invalidFile(url.path, reason:
                "not an \(QuantizedCheckpoint.format) v\(QuantizedCheckpoint.version) file (__metadata__ is \(meta ?? [:]))")
        }
    }

    private func raw(_ key: String, dtype: DType, shape: [Int]) throws -> UnsafeRawPointer {
        guard let t = tensors[key] else { throw CheckpointError.missingTensor(key) }
        guard t.shape == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: t.shape) }
        guard t.dtype == dtype else { throw CheckpointError.unsupportedDType(key: key, dtype: t.dtype.rawValue + " (expected \(dtype.rawValue))") }
        guard Int(bitPattern: t.base) % dtype.size == 0 else {
            throw CheckpointError.invalidFile(file.path, reason: "tensor \(key) is not aligned to \(dtype.size) bytes")
        }
        taken.insert(key)
        return t.base
    }

    func contains(_ key: String) -> Bool { tensors[key] != nil }

    /// A matrix is stored as `<key>.qweight` `(out, in)` and `<key>.qscale` `(out)`.
    func checkShape(_ key: String, _ shape: [Int], matrix: (out: Int, in: Int)?) throws {
        func check(_ key: String, _ shape: [Int]) throws {
            guard let t = tensors[key] else { throw CheckpointError.missingTensor(key) }
            guard t.shape == shape else { throw CheckpointError.shapeMismatch(key: key, expected: shape, found: t.shape) }
        }
        guard let (out, n) = matrix else { return try check(key, shape) }
        try check(key + QuantizedCheckpoint.qweight, [out, n])
        try check(key + QuantizedCheckpoint.qscale, [out])
    }

    func floats(_ key: String, shape: [Int]) throws -> UnsafePointer<Float> {
        try raw(key, dtype: .f32, shape: shape).assumingMemoryBound(to: Float.self)
    }

    func dense(_ key: String, shape: [Int], outFeatures n: Int, inFeatures k: Int, inOut: Bool,
               bias: UnsafePointer<Float>?) throws -> Dense {
        let q = try raw(key + QuantizedCheckpoint.qweight, dtype: .i8, shape: [n, k]).assumingMemoryBound(to: Int8.self)
        let s = try raw(key + QuantizedCheckpoint.qscale, dtype: .f32, shape: [n]).assumingMemoryBound(to: Float.self)
        return Dense(storage: .int8(QuantizedRows(q: q, scale: s)), bias: bias, inFeatures: k, outFeatures: n)
    }

    /// The quantizer writes only what the model computes with, so optional tensors are absent.
    func takeUnused(_ key: String, shape: [Int]) throws {}
    func checkTiedCopy(_ key: String, of tiedTo: String, shape: [Int]) throws {}

    func finish(ignoring: [String]) throws {
        let extra = tensors.keys.filter { !taken.contains($0) }.sorted()
        if !extra.isEmpty { throw CheckpointError.unexpectedTensors(extra) }
    }
}

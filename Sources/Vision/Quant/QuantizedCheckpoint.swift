import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// One tensor of the output file: where its bytes go.
    private struct Slot {
        var key: String
        var dtype: String
        var shape: [Int]
        var offset: Int
        var bytes: Int
    }

    /// Writes the int8 file for the fp32 checkpoint in `directory` to `url`, tensor by tensor.
    ///
    /// Every shape is checked against the key table first, so the header (offsets and all) is
    /// known before any data is read. Then each tensor is read once: an fp32 tensor is copied
    /// out, a matrix is quantized into a buffer of its own size and written at its place, and
    /// the checkpoint's pages and the buffer are released before the next one. Peak memory is
    /// about the largest matrix (`wte`: fp32 pages plus its int8 copy), not the model
    /// (docs/models.md, "The int8 copy"). The file appears under its name only when complete.
    static func write(directory: URL, to url: URL) throws {
        let config = try VisionEncoderDecoderConfig.load(directory: directory)
        let dims = try ModelDimensions(config)
        let checkpoint = try Checkpoint.load(directory: directory)
        let rows = ModelWeights.keyTable(dims)
        try ModelWeights.checkShapes(rows, in: CheckpointSource(checkpoint: checkpoint, quantize: false))

        // The order `ModelWeights` takes tensors in (a matrix's bias before the matrix): F32
        // tensors, then the scales, then the int8 rows.
        var floats: [(key: String, shape: [Int])] = []
        var matrices: [(key: String, shape: [Int], out: Int, in: Int, inOut: Bool)] = []
        for row in rows {
            switch row.use {
            case .floats: floats.append((row.key, row.shape))
            case .matrix(_, let out, let n, let layout, let bias):
                if let bias { floats.append((bias, [out])) }
                matrices.append((row.key, row.shape, out, n, layout == .inOut))
            case .unused, .tiedCopy: break
            }
        }
        var slots: [Slot] = []
        var offset = 0
        func place(_ key: String, _ dtype: String, _ shape: [Int], _ bytes: Int) {
            slots.append(Slot(key: key, dtype: dtype, shape: shape, offset: offset, bytes: bytes))
            offset += bytes
        }
        for f in floats { place(f.key, "F32", f.shape, f.shape.reduce(1, *) * 4) }
        for m in matrices { place(m.key + qscale, "F32", [m.out], m.out * 4) }
        for m in matrices { place(m.key + qweight, "I8", [m.out, m.in], m.out * m.in) }

        var header: [String: ModelJSONValue] = ["__metadata__": ["format": .string(format), "version": .string(version)]]
        for s in slots {
            header[s.key] = ["dtype": .string(s.dtype), "shape": .array(s.shape.map { .int($0) }),
                             "data_offsets": [.int(s.offset), .int(s.offset + s.bytes)]]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var json = try encoder.encode(header)
        while json.count % 8 != 0 { json.append(0x20) }
        var prefix = Data(count: 8)
        prefix.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(json.count).littleEndian, as: UInt64.self) }
        prefix.append(json)
        let dataStart = prefix.count

        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let out = try OutputFile(path: temporary.path)
        do {
            try out.write(prefix, at: 0)
            let slot = Dictionary(uniqueKeysWithValues: slots.map { ($0.key, $0) })
            for f in floats {
                try checkpoint.withTemporaryFloats(f.key, shape: f.shape) { data in
                    try out.write(UnsafeRawBufferPointer(data), at: dataStart + slot[f.key]!.offset)
                }
            }
            for m in matrices {
                let q = UnsafeMutableBufferPointer<Int8>.allocate(capacity: max(1, m.out * m.in))
                let s = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, m.out))
                defer { q.deallocate(); s.deallocate() }
                try checkpoint.withTemporaryFloats(m.key, shape: m.shape) { w in
                    QuantizedRows.quantize(w.baseAddress!, outFeatures: m.out, inFeatures: m.in, transposed: m.inOut,
                                           q: q.baseAddress!, scale: s.baseAddress!)
                }
                try out.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(s)[0..<(m.out * 4)]),
                              at: dataStart + slot[m.key + qscale]!.offset)
                try out.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(q)[0..<(m.out * m.in)]),
                              at: dataStart + slot[m.key + qweight]!.offset)
            }
            for row in rows {
                switch row.use {
                case .unused where checkpoint.contains(row.key):
                    try checkpoint.withTemporaryFloats(row.key, shape: row.shape) { _ in }
                case .tiedCopy(let tiedTo) where checkpoint.contains(row.key):
                    let same = try checkpoint.withTemporaryFloats(row.key, shape: row.shape) { head in
                        try checkpoint.withTemporaryFloats(tiedTo, shape: row.shape) { tied in
                            memcmp(head.baseAddress!, tied.baseAddress!, head.count * MemoryLayout<Float>.size) == 0
                        }
                    }
                    if !same { throw ModelError.tiedWeightsDiffer(key: row.key, tiedTo: tiedTo) }
                default: break
                }
            }
            checkpoint.ignoredKeyPatterns += ModelWeights.ignoredKeyPatterns
            try checkpoint.finish()
            try out.finish(renamingTo: url.path)
        } catch {
            out.discard()
            throw error
        }
    }

    /// The output file while it is written: positioned writes, then fsync and rename.
    private final class OutputFile {
        let path: String
        private var fd: Int32

        init(path: String) throws {
            self.path = path
            unlink(path)
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CheckpointError.invalidFile(path, reason: "cannot create: \(String(cString: strerror(errno)))") }
        }

        deinit { if fd >= 0 { close(fd) } }

        func write(_ data: Data, at offset: Int) throws {
            try data.withUnsafeBytes { try write($0, at: offset) }
        }

        func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CheckpointError.invalidFile(path, reason: "cannot write: \(String(cString: strerror(errno)))") }
                done += n
            }
        }

        func finish(renamingTo target: String) throws {
            guard fsync(fd) == 0 else { throw CheckpointError.invalidFile(path, reason: "cannot sync: \(String(cString: strerror(errno)))") }
            close(fd)
            fd = -1
            guard rename(path, target) == 0 else {
                throw CheckpointError.invalidFile(target, reason: "cannot rename into place: \(String(cString: strerror(errno)))")
            }
        }

        func discard() {
            if fd >= 0 { close(fd); fd = -1 }
            unlink(path)
        }
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

import Foundation
import XCTest
@testable import Vision

/// The loader's strictness: every tensor taken with its exact shape, unexpected tensors rejected,
/// known buffers ignored, and the tied LM head handled as documented in `ModelWeights`.
final class ModelCheckpointTests: XCTestCase {
    typealias Entry = (shape: [Int], bytes: Data)

    /// A model directory with a small fp32 safetensors checkpoint to edit.
    func sourceModel() throws -> URL {
        for name in ["tiny-st", "dev-st"] {
            let dir = ModelFixtures.modelDirectory(name)
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path) { return dir }
        }
        throw XCTSkip("no fp32 safetensors fixture model")
    }

    func readSafetensors(_ url: URL) throws -> [String: Entry] {
        let data = try Data(contentsOf: url)
        let n = data.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self).littleEndian) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any])
        var out: [String: Entry] = [:]
        for (k, v) in header where k != "__metadata__" {
            let e = try XCTUnwrap(v as? [String: Any])
            let offs = try XCTUnwrap(e["data_offsets"] as? [Int])
            out[k] = (try XCTUnwrap(e["shape"] as? [Int]), data.subdata(in: (8 + n + offs[0])..<(8 + n + offs[1])))
        }
        return out
    }

    /// Copies the source model with an edited state dict and returns the new directory.
    func editedModel(_ edit: (inout [String: Entry]) -> Void) throws -> URL {
        let src = try sourceModel()
        var tensors = try readSafetensors(src.appendingPathComponent("model.safetensors"))
        edit(&tensors)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: src.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        var header: [String: Any] = [:]
        var body = Data()
        for k in tensors.keys.sorted() {
            let e = tensors[k]!
            header[k] = ["dtype": "F32", "shape": e.shape, "data_offsets": [body.count, body.count + e.bytes.count]]
            body.append(e.bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(body)
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func testUnexpectedTensorIsNamed() throws {
        let dir = try editedModel { $0["decoder.transformer.h.0.mlp.extra.weight"] = ([2], Data(count: 8)) }
        XCTAssertThrowsError(try VisionEncoderDecoder(directory: dir)) { e in
            XCTAssertEqual(e as? CheckpointError, .unexpectedTensors(["decoder.transformer.h.0.mlp.extra.weight"]))
        }
    }

    func testMissingAndMisshapenTensorsAreNamed() throws {
        let missing = try editedModel { $0["decoder.transformer.ln_f.bias"] = nil }
        XCTAssertThrowsError(try VisionEncoderDecoder(directory: missing)) { e in
            XCTAssertEqual(e as? CheckpointError, .missingTensor("decoder.transformer.ln_f.bias"))
        }
        let key = "encoder.layernorm.weight"
        let bad = try editedModel { t in t[key] = ([1, t[key]!.shape[0]], t[key]!.bytes) }
        XCTAssertThrowsError(try VisionEncoderDecoder(directory: bad)) { e in
            guard case .shapeMismatch(let k, _, _)? = e as? CheckpointError else { return XCTFail("\(e)") }
            XCTAssertEqual(k, key)
        }
    }

    func testBuffersAndPoolerAreIgnoredAndTiedHeadChecked() throws {
        let wteKey = "decoder.transformer.wte.weight"
        var c = 0
        let ok = try editedModel { t in
            c = t["encoder.layernorm.weight"]!.shape[0]
            t["decoder.transformer.h.0.attn.bias"] = ([1, 1, 4, 4], Data(count: 64))
            t["decoder.transformer.h.0.attn.masked_bias"] = ([], Data(count: 4))
            t["decoder.transformer.h.0.crossattention.bias"] = ([1, 1, 4, 4], Data(count: 64))
            t["encoder.pooler.dense.weight"] = ([c, c], Data(count: 4 * c * c))
            t["encoder.pooler.dense.bias"] = ([c], Data(count: 4 * c))
            t["decoder.lm_head.weight"] = t[wteKey]
        }
        XCTAssertNoThrow(try VisionEncoderDecoder(directory: ok))

        let differs = try editedModel { t in
            var head = t[wteKey]!
            head.bytes[0] ^= 0x01
            t["decoder.lm_head.weight"] = head
        }
        XCTAssertThrowsError(try VisionEncoderDecoder(directory: differs)) { e in
            XCTAssertEqual(e as? ModelError, .tiedWeightsDiffer(key: "decoder.lm_head.weight", tiedTo: wteKey))
        }

        let badPooler = try editedModel { t in t["encoder.pooler.dense.bias"] = ([c + 1], Data(count: 4 * (c + 1))) }
        XCTAssertThrowsError(try VisionEncoderDecoder(directory: badPooler))
    }

    // MARK: - The key table

    /// A `CheckpointSource` that records the order in which the loader asks for shapes and data.
    final class RecordingSource: WeightSource {
        let real: CheckpointSource
        private(set) var calls: [String] = []
        init(_ real: CheckpointSource) { self.real = real }
        func contains(_ key: String) -> Bool { real.contains(key) }
        func checkShape(_ key: String, _ shape: [Int], matrix: (out: Int, in: Int)?) throws {
            calls.append("shape \(key)")
            try real.checkShape(key, shape, matrix: matrix)
        }
        func floats(_ key: String, shape: [Int]) throws -> UnsafePointer<Float> {
            calls.append("data \(key)")
            return try real.floats(key, shape: shape)
        }
        func dense(_ key: String, shape: [Int], outFeatures: Int, inFeatures: Int, inOut: Bool,
                   bias: UnsafePointer<Float>?) throws -> Dense {
            calls.append("data \(key)")
            return try real.dense(key, shape: shape, outFeatures: outFeatures, inFeatures: inFeatures, inOut: inOut, bias: bias)
        }
        func takeUnused(_ key: String, shape: [Int]) throws {
            calls.append("data \(key)")
            try real.takeUnused(key, shape: shape)
        }
        func checkTiedCopy(_ key: String, of tiedTo: String, shape: [Int]) throws {
            calls.append("data \(key)")
            try real.checkTiedCopy(key, of: tiedTo, shape: shape)
        }
        func finish(ignoring: [String]) throws { try real.finish(ignoring: ignoring) }
    }

    private func load(_ dir: URL, into source: inout RecordingSource?) throws -> ModelWeights {
        let config = try VisionEncoderDecoderConfig.load(directory: dir)
        let recording = RecordingSource(CheckpointSource(checkpoint: try Checkpoint.load(directory: dir), quantize: false))
        source = recording
        return try ModelWeights(dims: ModelDimensions(config), source: recording)
    }

    /// Every shape is checked before any tensor's data is asked for, so a misshapen tensor at
    /// the end of the table fails the load before a single tensor is converted or quantized.
    func testEveryShapeIsCheckedBeforeAnyData() throws {
        var source: RecordingSource?
        _ = try load(try sourceModel(), into: &source)
        let calls = try XCTUnwrap(source).calls
        let firstData = try XCTUnwrap(calls.firstIndex { $0.hasPrefix("data ") })
        XCTAssertFalse(calls[firstData...].contains { $0.hasPrefix("shape ") }, "a shape checked after data was read")
        XCTAssertEqual(firstData, calls.filter { $0.hasPrefix("shape ") }.count)

        let key = "decoder.transformer.h.0.mlp.c_proj.bias"
        let bad = try editedModel { t in t[key] = ([t[key]!.shape[0] + 1], Data(count: 4 * (t[key]!.shape[0] + 1))) }
        XCTAssertThrowsError(try load(bad, into: &source)) { e in
            guard case .shapeMismatch(let k, let expected, let found)? = e as? CheckpointError else { return XCTFail("\(e)") }
            XCTAssertEqual(k, key)
            XCTAssertEqual(found, [expected[0] + 1])
        }
        XCTAssertEqual(source?.calls.filter { $0.hasPrefix("data ") }, [], "data read before the shapes were all checked")
    }

    /// The table names each checkpoint tensor once, and together with the ignored buffers it is
    /// exactly the checkpoint's key set, for a tied model and one with enc_to_dec_proj.
    func testKeyTableIsTheCheckpoint() throws {
        for name in ["tiny-st", "dev-proj"] {
            let dir = ModelFixtures.modelDirectory(name)
            let dims = try ModelDimensions(VisionEncoderDecoderConfig.load(directory: dir))
            var keys: [String] = []
            for row in ModelWeights.keyTable(dims) {
                switch row.use {
                case .floats: keys.append(row.key)
                case .matrix(_, _, _, _, let bias): keys.append(row.key); keys += bias.map { [$0] } ?? []
                case .unused, .tiedCopy: break
                }
            }
            XCTAssertEqual(keys.count, Set(keys).count, "\(name): a key appears twice in the table")
            let stored = try Checkpoint.load(directory: dir).keys.filter { k in
                !ModelWeights.ignoredKeyPatterns.contains { k.hasSuffix($0) } && !k.hasPrefix("encoder.pooler.")
                    && k != "decoder.lm_head.weight"
            }
            XCTAssertEqual(Set(keys), Set(stored), name)
            XCTAssertEqual(dims.hasProjection, keys.contains("enc_to_dec_proj.weight"), name)
        }
    }

    /// The quantizer writes int8 rows for exactly the table's matrices, and fp32 for the rest.
    func testQuantizerTakesItsMatricesFromTheTable() throws {
        let dir = try sourceModel()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("quant-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        try VisionEncoderDecoder.writeQuantized(directory: dir, to: out)
        let written = try Checkpoint.load(file: out.appendingPathComponent(QuantizedCheckpoint.fileName))
        let dims = try ModelDimensions(VisionEncoderDecoderConfig.load(directory: dir))
        var matrices: Set<String> = [], floats: Set<String> = []
        for row in ModelWeights.keyTable(dims) {
            switch row.use {
            case .floats: floats.insert(row.key)
            case .matrix(_, _, _, _, let bias): matrices.insert(row.key); if let bias { floats.insert(bias) }
            case .unused, .tiedCopy: break
            }
        }
        XCTAssertFalse(matrices.isEmpty)
        XCTAssertEqual(Set(written.keys.filter { $0.hasSuffix(QuantizedCheckpoint.qweight) }
                               .map { String($0.dropLast(QuantizedCheckpoint.qweight.count)) }), matrices)
        XCTAssertEqual(Set(written.keys.filter { !$0.hasSuffix(QuantizedCheckpoint.qweight) && !$0.hasSuffix(QuantizedCheckpoint.qscale) }),
                       floats)
    }
}

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
}

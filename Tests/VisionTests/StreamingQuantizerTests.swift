import Foundation
import XCTest
@testable import Vision

/// The streaming quantizer (`QuantizedCheckpoint.write(directory:to:)`): for every fixture
/// format (safetensors fp32, fp16 and bf16, pytorch_model.bin with a stored tied LM head, a model
/// with `enc_to_dec_proj`) its file gives exactly the logits of quantizing while loading; it keeps
/// no tensor it has read; and a checkpoint it rejects half-way leaves nothing behind.
/// Its peak memory on the full-size model is measured by scripts/quantizer-peak (docs/models.md).
final class StreamingQuantizerTests: XCTestCase {
    static let models = ["tiny-st", "tiny-bin", "tiny-fp16", "tiny-bf16", "dev-proj"]

    static func temporaryDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stream-quant-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testTheFileGivesTheLogitsOfQuantizingAtLoad() throws {
        for name in Self.models {
            let dir = ModelFixtures.modelDirectory(name)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else {
                XCTFail("fixture \(name) missing"); continue
            }
            let out = try Self.temporaryDirectory(name)
            defer { try? FileManager.default.removeItem(at: out) }
            try VisionEncoderDecoder.writeQuantized(directory: dir, to: out)
            try FileManager.default.copyItem(at: dir.appendingPathComponent("config.json"), to: out.appendingPathComponent("config.json"))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(),
                           ["config.json", QuantizedCheckpoint.fileName], "\(name): only the int8 file, no temporary left")

            let fromFile = try VisionEncoderDecoder(directory: out)
            let atLoad = try VisionEncoderDecoder(directory: dir, precision: .int8)
            XCTAssertEqual(fromFile.precision, .int8)
            let pixels = (0..<atLoad.pixelCount).map { Float(sin(Double($0) * 0.37)) }
            let start = atLoad.config.decoderStartTokenID ?? 0
            let a = try atLoad.stepZeroLogits(encoderOutput: atLoad.encode(pixelValues: pixels), decoderStartTokenID: start)
            let b = try fromFile.stepZeroLogits(encoderOutput: fromFile.encode(pixelValues: pixels), decoderStartTokenID: start)
            XCTAssertEqual(a, b, "\(name): the streamed int8 file differs from quantizing at load")
        }
    }

    /// A widened (fp16) tensor read through `withTemporaryFloats` is not kept: the quantizer's
    /// memory does not grow with the model.
    func testTemporaryFloatsAreNotKept() throws {
        let checkpoint = try Checkpoint.load(directory: ModelFixtures.modelDirectory("tiny-fp16"))
        let key = try XCTUnwrap(checkpoint.keys.first { checkpoint.storedDType(of: $0) == "F16" })
        let shape = try XCTUnwrap(checkpoint.shape(of: key))
        let sum = try checkpoint.withTemporaryFloats(key, shape: shape) { $0.reduce(0, +) }
        XCTAssertEqual(sum, try checkpoint.tensor(key, shape: shape).data.reduce(0, +))
        XCTAssertEqual(checkpoint.convertedKeys, [key], "only tensor() keeps a conversion")
        XCTAssertThrowsError(try checkpoint.withTemporaryFloats(key, shape: shape + [1]) { _ in })
    }

    /// An unexpected tensor is found only after every tensor was written; the half-written file
    /// is removed and nothing appears under the int8 file's name.
    func testARejectedCheckpointLeavesNoFile() throws {
        let source = ModelFixtures.modelDirectory("tiny-st")
        let dir = try Self.temporaryDirectory("bad-src")
        let out = try Self.temporaryDirectory("bad-out")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: out) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        // model.safetensors with one tensor more than the model has.
        let data = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        let length = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        let body = data.subdata(in: (8 + length)..<data.count)
        header["extra.weight"] = ["dtype": "F32", "shape": [1], "data_offsets": [body.count, body.count + 4]]
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var prefix = UInt64(json.count).littleEndian
        try (Data(bytes: &prefix, count: 8) + json + body + Data(count: 4)).write(to: dir.appendingPathComponent("model.safetensors"))

        XCTAssertThrowsError(try VisionEncoderDecoder.writeQuantized(directory: dir, to: out)) { error in
            XCTAssertEqual(error as? CheckpointError, .unexpectedTensors(["extra.weight"]))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [], "nothing left in the output directory")
    }
}

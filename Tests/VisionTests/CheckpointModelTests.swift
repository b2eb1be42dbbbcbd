import Foundation
import XCTest
@testable import Vision

/// Loads every tiny model directory (the fixtures' `Tests/Fixtures/models`, or the directory in
/// `ASSIST_CHECKPOINT_MODELS`) and checks that each format holds the same tensors as `tiny-st`:
/// fp32 copies bit for bit, fp16 and bf16 copies equal to `tiny-st` rounded to nearest even, as
/// `torch.Tensor.half()` / `.bfloat16()` round.
final class CheckpointModelTests: XCTestCase {
    var modelsDirectory: URL {
        if let env = ProcessInfo.processInfo.environment["ASSIST_CHECKPOINT_MODELS"] {
            return URL(fileURLWithPath: env)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models")
    }

    static func roundedBF16(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    func testEveryFormatMatchesTinyST() throws {
        let root = modelsDirectory
        let referenceDirectory = root.appendingPathComponent("tiny-st")
        guard FileManager.default.fileExists(atPath: referenceDirectory.path) else {
            throw XCTSkip("no tiny models at \(root.path) (made by scripts/make_fixtures.py)")
        }
        let reference = try Checkpoint.load(directory: referenceDirectory)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        var compared = 0
        for name in names {
            let directory = root.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else { continue }
            let config = try VisionEncoderDecoderConfig.load(directory: directory)
            let ckpt = try Checkpoint.load(directory: directory)
            XCTAssertFalse(ckpt.keys.isEmpty, name)
            XCTAssertTrue(ckpt.keys.contains("decoder.transformer.wte.weight"), name)
            let wte = try ckpt.tensor("decoder.transformer.wte.weight", shape: [config.decoder.vocabSize, config.decoder.nEmbd])
            XCTAssertEqual(wte.count, config.decoder.vocabSize * config.decoder.nEmbd)
            // The same model when every tensor tiny-st has is here with its shape; a .bin may add
            // the tied `decoder.lm_head.weight`, which must then equal wte.
            let sameModel = reference.keys.allSatisfy { ckpt.shape(of: $0) == reference.shape(of: $0) }
            if sameModel {
                XCTAssertTrue(Set(ckpt.keys).subtracting(reference.keys).isSubset(of: ["decoder.lm_head.weight"]), name)
                if ckpt.contains("decoder.lm_head.weight") {
                    let head = try ckpt.tensor("decoder.lm_head.weight", shape: wte.shape)
                    XCTAssertEqual(Array(head.data), Array(wte.data), name)
                }
            }
            for key in ckpt.keys {
                let dtype = ckpt.storedDType(of: key)!
                guard ["F32", "F16", "BF16"].contains(dtype) else { continue }
                let t = try ckpt.tensor(key, shape: ckpt.shape(of: key)!)
                guard sameModel, reference.storedDType(of: key) == "F32", reference.contains(key) else { continue }
                let r = try reference.tensor(key, shape: t.shape)
                let expected: [Float]
                switch dtype {
                case "F16": expected = r.data.map { Float(Float16($0)) }
                case "BF16": expected = r.data.map(Self.roundedBF16)
                default: expected = Array(r.data)
                }
                XCTAssertEqual(Array(t.data), expected, "\(name) \(key) (\(dtype))")
                compared += 1
            }
            ckpt.ignoredKeyPatterns = ckpt.keys.filter { !["F32", "F16", "BF16"].contains(ckpt.storedDType(of: $0)!) }
            XCTAssertNoThrow(try ckpt.finish(), name)
            print("checkpoint \(name): \(ckpt.keys.count) tensors from \(ckpt.files.map(\.lastPathComponent)), same model as tiny-st: \(sameModel)")
        }
        print("compared \(compared) tensors against tiny-st")
        XCTAssertGreaterThan(compared, 0)
    }
}

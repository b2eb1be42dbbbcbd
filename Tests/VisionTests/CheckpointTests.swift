import Foundation
import XCTest
@testable import Vision

/// Loader tests against `Tests/Fixtures/checkpoint-unit`, made by
/// `scripts/make_checkpoint_fixtures.py` with torch 1.13 and safetensors.
final class CheckpointTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoint-unit")

    struct Expected: Decodable {
        var shape: [Int]
        var dtype: String
        var values: [Double]?
    }

    func expected() throws -> [String: [String: Expected]] {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("expected.json"))
        return try JSONDecoder().decode([String: [String: Expected]].self, from: data)
    }

    func load(_ name: String) throws -> Checkpoint {
        try Checkpoint.load(file: Self.root.appendingPathComponent(name))
    }

    /// Every tensor of every good file has the exact fp32 values torch's `.float()` gives.
    func testAllFormatsMatchTorchExactly() throws {
        let all = try expected()
        XCTAssertEqual(all.count, 8)
        var checked = 0
        for (file, tensors) in all.sorted(by: { $0.key < $1.key }) {
            let ckpt = try load(file)
            XCTAssertEqual(ckpt.keys, tensors.keys.sorted(), file)
            for (key, e) in tensors {
                guard let values = e.values else {
                    XCTAssertThrowsError(try ckpt.tensor(key, shape: e.shape)) { error in
                        guard case .unsupportedDType(key, _) = error as? CheckpointError else {
                            return XCTFail("\(file) \(key): \(error)")
                        }
                    }
                    continue
                }
                let t = try ckpt.tensor(key, shape: e.shape)
                XCTAssertEqual(t.shape, e.shape)
                XCTAssertEqual(Array(t.data), values.map { Float($0) }, "\(file) \(key)")
                checked += 1
            }
            if file.hasPrefix("bin") {
                ckpt.ignoredKeyPatterns = ["position_ids", "attn.bias"]
            } else if file != "st-f64.safetensors" {
                ckpt.ignoredKeyPatterns = ["position_ids"]
            }
            XCTAssertNoThrow(try ckpt.finish(), file)
        }
        XCTAssertEqual(checked, 3 * 5 + 4 * 10 + 1)
    }

    func testFP32SafetensorsAndContiguousTorchTensorsAreViewsIntoTheMap() throws {
        for file in ["st-f32.safetensors", "bin-f32.bin"] {
            let ckpt = try load(file)
            let map = try XCTUnwrap(ckpt.mappedRange)
            let w = try ckpt.tensor("layer.weight", shape: [4, 6])
            XCTAssertTrue(map.contains(UnsafeRawPointer(w.data.baseAddress!)), file)
        }
        let ckpt = try load("bin-f32.bin")
        let map = try XCTUnwrap(ckpt.mappedRange)
        // Two views of one storage point into the same record, 10 elements apart.
        let a = try ckpt.tensor("shared.first", shape: [2, 3])
        let b = try ckpt.tensor("shared.second", shape: [3, 4])
        XCTAssertEqual(b.data.baseAddress! - a.data.baseAddress!, 10)
        // A transposed view is gathered into its own buffer.
        let t = try ckpt.tensor("transposed", shape: [4, 3])
        XCTAssertFalse(map.contains(UnsafeRawPointer(t.data.baseAddress!)))
    }

    func testDirectoryPrefersSafetensorsThenBin() throws {
        let both = try Checkpoint.load(directory: Self.root.appendingPathComponent("dir-both"))
        XCTAssertEqual(Array(try both.tensor("w", shape: [2]).data), [1, 2])
        XCTAssertEqual(both.files.map(\.lastPathComponent), ["model.safetensors"])
        let bin = try Checkpoint.load(directory: Self.root.appendingPathComponent("dir-bin"))
        XCTAssertEqual(Array(try bin.tensor("w", shape: [2]).data), [5, 6])
        let sharded = try Checkpoint.load(directory: Self.root.appendingPathComponent("dir-sharded"))
        XCTAssertEqual(sharded.keys, ["a", "b"])
        XCTAssertEqual(Array(try sharded.tensor("b", shape: [2, 1]).data), [3, 4])
        XCTAssertEqual(Array(try sharded.tensor("a", shape: [2]).data), [1, 2])
    }

    func testMissingDirectoryAndWeights() {
        let nowhere = Self.root.appendingPathComponent("no-such-model")
        XCTAssertThrowsError(try Checkpoint.load(directory: nowhere)) { error in
            XCTAssertEqual(error as? CheckpointError, .missingFile(nowhere.path))
        }
        let empty = Self.root.appendingPathComponent("dir-empty")
        XCTAssertThrowsError(try Checkpoint.load(directory: empty)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(empty.appendingPathComponent("model.safetensors").path), text)
            XCTAssertTrue(text.contains("pytorch_model.bin"), text)
        }
        XCTAssertThrowsError(try VisionEncoderDecoderConfig.load(directory: empty)) { error in
            XCTAssertEqual(error as? CheckpointError, .missingFile(empty.appendingPathComponent("config.json").path))
        }
    }

    func testStrictTensorLookup() throws {
        let ckpt = try load("st-f32.safetensors")
        XCTAssertThrowsError(try ckpt.tensor("layer.weight", shape: [6, 4])) { error in
            XCTAssertEqual(error as? CheckpointError, .shapeMismatch(key: "layer.weight", expected: [6, 4], found: [4, 6]))
            XCTAssertEqual("\(error)", "tensor layer.weight has shape [4, 6], expected [6, 4]")
        }
        XCTAssertThrowsError(try ckpt.tensor("nope", shape: [1])) { error in
            XCTAssertEqual(error as? CheckpointError, .missingTensor("nope"))
        }
        XCTAssertThrowsError(try ckpt.tensor("position_ids", shape: [1, 5])) { error in
            XCTAssertEqual(error as? CheckpointError, .unsupportedDType(key: "position_ids", dtype: "I64"))
        }
        XCTAssertTrue(ckpt.contains("layer.bias"))
        XCTAssertFalse(ckpt.contains("layer.bia"))
        _ = try ckpt.tensor("layer.weight", shape: [4, 6])
        XCTAssertThrowsError(try ckpt.finish()) { error in
            XCTAssertEqual(error as? CheckpointError, .unexpectedTensors(["cube", "empty", "layer.bias", "position_ids", "scalar"]))
        }
        ckpt.ignoredKeyPatterns = ["bias", "_ids"]
        XCTAssertThrowsError(try ckpt.finish()) { error in
            XCTAssertEqual(error as? CheckpointError, .unexpectedTensors(["cube", "empty", "scalar"]))
        }
    }

    func testConcurrentLookups() throws {
        let ckpt = try load("bin-f16.bin")
        let keys = ["layer.weight", "layer.bias", "cube", "transposed", "shared.first"]
        let shapes = [[4, 6], [6], [2, 3, 4], [4, 3], [2, 3]]
        DispatchQueue.concurrentPerform(iterations: 200) { i in
            _ = try? ckpt.tensor(keys[i % 5], shape: shapes[i % 5])
        }
        ckpt.ignoredKeyPatterns = ["scalar", "empty", "shared.second", "strided", "param", "position_ids", "attn.bias"]
        XCTAssertNoThrow(try ckpt.finish())
    }

    /// Each bad file fails with `invalidFile` naming the file and a reason containing `why`.
    func testBadFilesAreRejectedWithTheirReason() {
        let cases: [(String, String)] = [
            ("os-system.bin", "os.system"),
            ("load-from-bytes.bin", "torch.storage._load_from_bytes"),
            ("compressed.bin", "compressed (method 8)"),
            ("legacy.bin", "legacy (pre-1.6, non-zip) torch serialization format"),
            ("truncated.bin", "no zip end-of-central-directory record"),
            ("not-a-checkpoint.bin", "not a zip archive"),
            ("truncated.safetensors", "lie outside the 10-byte data area (truncated?)"),
            ("header-too-long.safetensors", "header length 1048576 runs past the end"),
            ("header-not-json.safetensors", "not valid JSON"),
            ("wrong-size.safetensors", "tensor w is F32 [2, 3] but has 20 bytes"),
            ("out-of-range.safetensors", "tensor w data_offsets [8, 32] lie outside the 24-byte data area"),
            ("empty.safetensors", "file is empty"),
        ]
        for (name, why) in cases {
            let url = Self.root.appendingPathComponent("bad").appendingPathComponent(name)
            XCTAssertThrowsError(try Checkpoint.load(file: url), name) { error in
                guard case .invalidFile(let file, let reason) = error as? CheckpointError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(file, url.path)
                XCTAssertTrue(reason.contains(why), "\(name): \(reason)")
            }
        }
        let unknown = Self.root.appendingPathComponent("bad/unknown-dtype.safetensors")
        XCTAssertThrowsError(try Checkpoint.load(file: unknown)) { error in
            XCTAssertEqual(error as? CheckpointError, .unsupportedDType(key: "w", dtype: "F8_E4M3"))
        }
    }

    /// The unpickler on its own: hostile or foreign pickles are errors, never crashes or calls.
    func testUnpicklerRefusesHostilePickles() {
        func reason(_ bytes: [UInt8]) -> String {
            bytes.withUnsafeBytes { raw in
                do {
                    _ = try TorchUnpickler.stateDict(raw, path: "p")
                    return "accepted"
                } catch CheckpointError.invalidFile("p", let reason) {
                    return reason
                } catch {
                    return "\(error)"
                }
            }
        }
        // A million nested tuples: freeing them must not recurse.
        let deep = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        XCTAssertEqual(reason(deep), "pickle holds a tuple, not a state dict")
        XCTAssertTrue(reason([0x80, 0x02] + Array("c__builtin__\neval\n.".utf8)).contains("__builtin__.eval"))
        XCTAssertTrue(reason([0x80, 0x02] + Array("(i__main__\nX\n.".utf8)).contains("opcode 0x69 'i'"))
        XCTAssertEqual(reason([0x80, 0x02, 0x7D]), "pickle ends early (truncated?)")
        XCTAssertEqual(reason([0x80, 0x02, 0x68, 0x05]), "pickle reads memo 5, which was never written")
        XCTAssertEqual(reason([0x80, 0x02, 0x7D, 0x4B, 0x01, 0x4B, 0x02, 0x73, 0x2E]), "state dict has a int key")
        XCTAssertEqual(reason([0x80, 0x02, 0x7D, 0x58, 0x01, 0, 0, 0, 0x61, 0x4B, 0x02, 0x73, 0x2E]),
                       "state dict entry a is a int, not a tensor")
        // A self-containing dict is refused, not leaked into a cycle.
        XCTAssertEqual(reason([0x80, 0x02, 0x7D, 0x71, 0x00, 0x58, 0x01, 0, 0, 0, 0x61, 0x68, 0x00, 0x73, 0x2E]),
                       "state dict entry a is a dict, not a tensor")
    }
}

import Foundation
import XCTest
@testable import Vision

/// Replays every input under Tests/Fixtures/fuzz-regressions (kept by scripts/fuzz when a
/// harness crashed, plus issue 11's crafted checkpoints from scripts/make_fuzz_regressions.py)
/// through the same calls as the harness of that folder's name. A regression traps the test
/// process; an input may fail with its format's error, never with another.
final class FuzzRegressionTests: XCTestCase {
    static let root = ImageTestSupport.fixtures.appendingPathComponent("fuzz-regressions")

    func inputs(_ target: String) throws -> [URL] {
        let dir = Self.root.appendingPathComponent(target)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    /// FuzzTorch and FuzzSafetensors: load, then every tensor with its own shape.
    func testCheckpointInputs() throws {
        var replayed = 0
        for (target, name) in [("FuzzTorch", "pytorch_model.bin"), ("FuzzSafetensors", "model.safetensors")] {
            for input in try inputs(target) {
                let url = try CraftedCheckpoint.write(Array(try Data(contentsOf: input)), name: name)
                do {
                    let checkpoint = try Checkpoint.load(file: url)
                    for key in checkpoint.keys {
                        guard let shape = checkpoint.shape(of: key) else { return XCTFail("\(input.lastPathComponent): \(key) has no shape") }
                        do {
                            XCTAssertEqual(try checkpoint.tensor(key, shape: shape).count, shape.reduce(1, *))
                        } catch CheckpointError.unsupportedDType {}
                    }
                    // The one issue 11 input that is valid: an empty tensor with huge trailing sizes.
                    if input.lastPathComponent.hasPrefix("issue11-") {
                        XCTAssertEqual(input.lastPathComponent, "issue11-leading-zero-dimension.safetensors")
                    }
                } catch let error as CheckpointError {
                    XCTAssertFalse("\(error)".isEmpty)
                }
                replayed += 1
            }
        }
        XCTAssertGreaterThanOrEqual(replayed, 6)
    }
}

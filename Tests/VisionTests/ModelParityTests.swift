import Foundation
import XCTest
@testable import Vision

/// Numerical parity of the Swift model with transformers 4.40.2 on PyTorch (fixtures dumped by
/// the reference scripts): encoder output and step-0 logits within 1e-4, and the KV-cached
/// decoder equal to a fresh forward over the whole prefix.
final class ModelParityTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func checkParity(_ name: String, optional: Bool) throws {
        try ModelFixtures.requireModel(name, optional: optional)
        let model = try VisionEncoderDecoder(directory: ModelFixtures.modelDirectory(name))
        let gen = try GenerationConfig(directory: ModelFixtures.modelDirectory(name))
        let start = try gen.resolvedDecoderStartTokenID()
        let exp = ModelFixtures.expectedDirectory(name)
        let stems = try ModelFixtures.stems(name)
        XCTAssertFalse(stems.isEmpty, "no images for \(name)")
        for stem in stems {
            let pixels = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).pixels.f32"))
            let encoder = try model.encode(pixelValues: pixels)
            let refEncoder = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).encoder.f32"))
            let de = ModelFixtures.maxAbsDiff(encoder, refEncoder)
            let logits = try model.stepZeroLogits(encoderOutput: encoder, decoderStartTokenID: start)
            let refLogits = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).logits0.f32"))
            let dl = ModelFixtures.maxAbsDiff(logits, refLogits)
            print("\(name)/\(stem): encoder OK maxdiff=\(de)  logits0 OK maxdiff=\(dl)")
            XCTAssertLessThanOrEqual(de, Self.tolerance, "\(name)/\(stem) encoder")
            XCTAssertLessThanOrEqual(dl, Self.tolerance, "\(name)/\(stem) logits0")
        }
    }

    func testTinySafetensorsParity() throws { try checkParity("tiny-st", optional: false) }
    func testDevSameWidthParity() throws { try checkParity("dev-st", optional: false) }
    func testDevProjectionParity() throws { try checkParity("dev-proj", optional: false) }
    func testDevUpcastParity() throws { try checkParity("dev-upcast", optional: false) }

    /// Logits of step t through the KV cache equal those of one fresh forward over the prefix,
    /// and equal PyTorch's full-sequence logits where the dev fixtures provide them.
    func checkCacheConsistency(_ name: String, optional: Bool) throws {
        try ModelFixtures.requireModel(name, optional: optional)
        let model = try VisionEncoderDecoder(directory: ModelFixtures.modelDirectory(name))
        let gen = try GenerationConfig(directory: ModelFixtures.modelDirectory(name))
        let start = try gen.resolvedDecoderStartTokenID()
        let exp = ModelFixtures.expectedDirectory(name)
        let stem = try XCTUnwrap(ModelFixtures.stems(name).first)
        let pixels = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).pixels.f32"))
        let encoder = try model.encode(pixelValues: pixels)
        // A deterministic prefix that is not the model's own choice, so the cache sees varied tokens.
        let prefix = [start] + (1..<9).map { ($0 * 37 + 11) % model.vocabSize }
        let cached = try model.makeState(encoderOutput: encoder, rows: 1, capacity: prefix.count)
        var worst: Float = 0
        var largest: Float = 0
        for t in 0..<prefix.count {
            let stepLogits = Array(try model.decode(tokens: [prefix[t]], step: 1, state: cached))
            let fresh = try model.makeState(encoderOutput: encoder, rows: 1, capacity: t + 1, maxStep: t + 1)
            let full = Array(try model.decode(tokens: Array(prefix[0...t]), step: t + 1, state: fresh))
            worst = max(worst, ModelFixtures.maxAbsDiff(stepLogits, full))
            largest = max(largest, full.map(abs).max() ?? 0)
        }
        // The single-row step runs on the SIMD matrix-vector kernels and the prefill on sgemm, so
        // the two sum in different orders: allow a few float32 ulps of the largest logit.
        let bound = max(1e-5, 8 * Float.ulpOfOne * largest)
        print("\(name): cached vs prefill OK maxdiff=\(worst) (bound \(bound), max |logit| \(largest)) over \(prefix.count) steps")
        XCTAssertLessThanOrEqual(worst, bound)
    }

    func testTinyCacheConsistency() throws { try checkCacheConsistency("tiny-st", optional: false) }
    func testDevProjectionCacheConsistency() throws { try checkCacheConsistency("dev-proj", optional: false) }

    /// PyTorch's logits for every position of a generated prefix, against the cached decoder.
    func testDevPrefixLogitsMatchTorch() throws {
        for name in ModelFixtures.devModels {
            try ModelFixtures.requireModel(name, optional: false)
            let model = try VisionEncoderDecoder(directory: ModelFixtures.modelDirectory(name))
            let exp = ModelFixtures.expectedDirectory(name)
            let results = try XCTUnwrap(JSONSerialization.jsonObject(
                with: Data(contentsOf: exp.appendingPathComponent("results.json"))) as? [String: Any])
            let prefixes = try XCTUnwrap(results["prefixes"] as? [String: [Int]])
            for stem in try ModelFixtures.stems(name) {
                let prefix = try XCTUnwrap(prefixes[stem])
                let ref = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).prefix_logits.f32"))
                let pixels = try ModelFixtures.floats(exp.appendingPathComponent("\(stem).pixels.f32"))
                let st = try model.makeState(encoderOutput: try model.encode(pixelValues: pixels), rows: 1, capacity: prefix.count)
                var worst: Float = 0, scale: Float = 1
                for v in ref { scale = max(scale, abs(v)) }
                for (t, tok) in prefix.enumerated() {
                    let l = Array(try model.decode(tokens: [tok], step: 1, state: st))
                    worst = max(worst, ModelFixtures.maxAbsDiff(l, Array(ref[(t * model.vocabSize)..<((t + 1) * model.vocabSize)])))
                }
                // These dev models have large random weights (logits up to ~|30|), so the bound is
                // relative to the largest logit.
                print("\(name)/\(stem): per-position logits vs torch OK maxdiff=\(worst) (max |logit| \(scale))")
                XCTAssertLessThanOrEqual(worst, Self.tolerance * scale)
            }
        }
    }

    func testWrongPixelCountNamesShapes() throws {
        try ModelFixtures.requireModel("tiny-st", optional: false)
        let model = try VisionEncoderDecoder(directory: ModelFixtures.modelDirectory("tiny-st"))
        XCTAssertThrowsError(try model.encode(pixelValues: [0, 1, 2])) { error in
            XCTAssertTrue("\(error)".contains("expected \(model.pixelCount)"), "\(error)")
        }
    }
}

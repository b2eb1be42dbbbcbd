import Foundation
import XCTest
@testable import Vision

/// The int8 mode: the quantizer's rounding, the file round trip, and greedy-token agreement with
/// fp32 on all parity fixture images (issue 4 asks for >= 90%) of the two fp32 fixture models,
/// tiny-st and tiny-bin (the one with `enc_to_dec_proj`). The dev models are compared and
/// reported too when present, but not held to the bound.
final class QuantizedModelTests: XCTestCase {
    /// The fp32 fixture checkpoints; the fp16/bf16 ones hold the same weights as tiny-st.
    static let parityModels = ["tiny-st", "tiny-bin"]
    static let models = parityModels + ModelFixtures.devModels

    func testPerRowQuantizationRoundsToNearestWithinHalfAStep() {
        // (K, N) = (3, 2) Conv1D layout; output rows are the columns.
        let w: [Float] = [1.0, 0.0,
                          -0.5, 0.0,
                          0.25, 0.0]
        var q = [Int8](repeating: 9, count: 6), s = [Float](repeating: 9, count: 2)
        QuantizedRows.quantize(w, outFeatures: 2, inFeatures: 3, transposed: true, q: &q, scale: &s)
        XCTAssertEqual(s[0], 1.0 / 127)
        XCTAssertEqual(Array(q[0..<3]), [127, -64, 32])   // -63.5 -> -64, 31.75 -> 32 (half to even)
        XCTAssertEqual(s[1], 0)
        XCTAssertEqual(Array(q[3..<6]), [0, 0, 0])
        for i in 0..<3 { XCTAssertLessThanOrEqual(abs(Float(q[i]) * s[0] - w[i * 2]), s[0] / 2) }
    }

    func testStreamingKernelsMatchBLAS() {
        // Odd sizes exercise every vector tail; rows 1...6 both row kernels.
        let k = 37, n = 29
        var rng = SystemRandomNumberGenerator()
        let w = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }   // (K, N)
        let bias = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        var wt = [Float](repeating: 0, count: k * n)                                  // (N, K)
        for i in 0..<k { for o in 0..<n { wt[o * k + i] = w[i * n + o] } }
        for rows in 1...6 {
            let x = (0..<(rows * k)).map { _ in Float.random(in: -1...1, using: &rng) }
            var ref = [Float](repeating: 0, count: rows * n), a = ref, b = ref
            Kernels.affine(x, rows: rows, inFeatures: k, outFeatures: n, weight: w, weightIsOutIn: false, bias: bias, into: &ref)
            MatVec.rowsAxpy(x, rows: rows, k: k, n: n, weight: w, bias: bias, into: &a)
            MatVec.rowsDot(x, rows: rows, k: k, n: n, weight: wt, scale: nil, bias: bias, into: &b)
            XCTAssertLessThan(ModelFixtures.maxAbsDiff(ref, a), 1e-5, "axpy rows \(rows)")
            XCTAssertLessThan(ModelFixtures.maxAbsDiff(ref, b), 1e-5, "dot rows \(rows)")
        }
    }

    /// Greedy tokens of int8 and fp32 on every parity fixture image (decoded and preprocessed by
    /// the Swift pipeline, which EndToEndParityTests holds exact), for each model; the int8 file
    /// must compute exactly what load-time quantization computes.
    func testQuantizedFileRoundTripAndGreedyAgreement() throws {
        var parityCompared = 0, parityAgreed = 0
        for name in Self.models {
            let dir = ModelFixtures.modelDirectory(name)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.json").path) else { continue }
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("quant-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: out) }
            try VisionEncoderDecoder.writeQuantized(directory: dir, to: out)
            try FileManager.default.copyItem(at: dir.appendingPathComponent("config.json"), to: out.appendingPathComponent("config.json"))

            let engine = try CaptionEngine(modelDirectory: dir)
            let fp32 = engine.model
            let fromFile = try VisionEncoderDecoder(directory: out)
            let atLoad = try VisionEncoderDecoder(directory: dir, precision: .int8)
            XCTAssertEqual(fp32.precision, .fp32)
            XCTAssertEqual(fromFile.precision, .int8)
            var greedy = engine.generationConfig
            try greedy.update(["num_beams": 1, "do_sample": false])
            var compared = 0, agreed = 0, worstLogits: Float = 0
            for stem in try Self.imageStems(name) {
                let image = try ImageDecoder.decode(try Data(contentsOf: try EndToEndParityTests.imageURL(stem)))
                let pixels = engine.processor.pixelValues(image)
                let a = try fp32.generate(pixelValues: pixels, config: greedy)
                let b = try fromFile.generate(pixelValues: pixels, config: greedy)
                XCTAssertEqual(try atLoad.generate(pixelValues: pixels, config: greedy), b, "\(name)/\(stem)")
                let la = try fp32.stepZeroLogits(encoderOutput: fp32.encode(pixelValues: pixels), decoderStartTokenID: a[0])
                let lb = try fromFile.stepZeroLogits(encoderOutput: fromFile.encode(pixelValues: pixels), decoderStartTokenID: b[0])
                worstLogits = max(worstLogits, ModelFixtures.maxAbsDiff(la, lb))
                compared += 1
                if a == b { agreed += 1 } else { print("int8 \(name)/\(stem): greedy differs: fp32 \(a) int8 \(b)") }
            }
            print("int8 vs fp32 greedy agreement \(name): \(agreed)/\(compared) images; step-0 logits max abs diff \(worstLogits)")
            if Self.parityModels.contains(name) {
                XCTAssertGreaterThanOrEqual(compared, 28, "\(name): parity fixture images missing")
                parityCompared += compared; parityAgreed += agreed
            }
        }
        if parityCompared == 0 { throw XCTSkip("parity fixtures absent under \(ModelFixtures.root.path)") }
        print("int8 vs fp32 greedy agreement on the parity fixtures: \(parityAgreed)/\(parityCompared)")
        XCTAssertGreaterThanOrEqual(Double(parityAgreed), 0.9 * Double(parityCompared),
                                    "int8 greedy agreement on the parity fixtures \(parityAgreed)/\(parityCompared)")
    }

    /// Images with expected results for `model` (results.json), sorted.
    static func imageStems(_ model: String) throws -> [String] {
        let url = ModelFixtures.expectedDirectory(model).appendingPathComponent("results.json")
        let payload = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let results = payload?["results"] as? [String: Any] else { throw CocoaError(.fileReadCorruptFile) }
        return results.keys.sorted()
    }

    func testWrongFormatIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quant-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent(QuantizedCheckpoint.fileName)
        let header = Data(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}    "#.utf8)
        var length = UInt64(header.count).littleEndian
        try (Data(bytes: &length, count: 8) + header + Data(count: 4)).write(to: file)
        XCTAssertThrowsError(try QuantizedSource(url: file)) { error in
            XCTAssertTrue("\(error)".contains("assist-int8"), "\(error)")
        }
    }
}

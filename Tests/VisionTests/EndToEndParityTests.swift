import Foundation
import XCTest
@testable import Vision

/// The whole pipeline against transformers 4.40.2, for every fixture model and every image:
/// the image file goes through `CaptionEngine`'s own decoder, preprocessor, model, generation and
/// tokenizer, exactly as `assistd caption` runs it, and each stage is compared with what
/// scripts/make_fixtures.py recorded (`load_image` + `ViTImageProcessor` + `generate` + `decode`).
final class EndToEndParityTests: XCTestCase {
    /// Stage tolerances. Pixels must be exact; the float stages are reported and bounded.
    static let encoderTolerance: Float = 1e-4
    static let logitsTolerance: Float = 1e-4

    func checkModel(_ name: String) throws {
        let dir = ModelFixtures.modelDirectory(name)
        let exp = ModelFixtures.expectedDirectory(name)
        let engine = try CaptionEngine(modelDirectory: dir)
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: exp.appendingPathComponent("results.json"))) as? [String: Any])
        let results = try XCTUnwrap(payload["results"] as? [String: [[String: Any]]], "results.json of \(name)")
        XCTAssertGreaterThanOrEqual(results.count, 10, "\(name): too few images")

        var worstEncoder: Float = 0, worstLogits: Float = 0
        var pixelFiles = 0, encoderFiles = 0, logitFiles = 0, sequences = 0, identical = 0, texts = 0
        for (stem, runs) in results.sorted(by: { $0.key < $1.key }) {
            let imageURL = try Self.imageURL(stem)
            let image = try ImageDecoder.decode(try Data(contentsOf: imageURL))
            let pixels = engine.processor.pixelValues(image)

            let pixelsURL = exp.appendingPathComponent("\(stem).pixels.f32")
            if FileManager.default.fileExists(atPath: pixelsURL.path) {
                let ref = try ModelFixtures.floats(pixelsURL)
                XCTAssertEqual(pixels.count, ref.count, "\(name)/\(stem) pixel count")
                if pixels.count == ref.count {
                    let differing = zip(pixels, ref).filter { $0 != $1 }.count
                    XCTAssertEqual(differing, 0, "\(name)/\(stem): \(differing) pixel values differ from ViTImageProcessor")
                }
                pixelFiles += 1
            }

            let encoded = try engine.model.encode(pixelValues: pixels)
            let encoderURL = exp.appendingPathComponent("\(stem).encoder.f32")
            if FileManager.default.fileExists(atPath: encoderURL.path) {
                let d = ModelFixtures.maxAbsDiff(encoded, try ModelFixtures.floats(encoderURL))
                XCTAssertLessThanOrEqual(d, Self.encoderTolerance, "\(name)/\(stem) encoder")
                worstEncoder = max(worstEncoder, d)
                encoderFiles += 1
            }
            let logitsURL = exp.appendingPathComponent("\(stem).logits0.f32")
            if FileManager.default.fileExists(atPath: logitsURL.path) {
                let start = try engine.generationConfig.resolvedDecoderStartTokenID()
                let logits = try engine.model.stepZeroLogits(encoderOutput: encoded, decoderStartTokenID: start)
                let d = ModelFixtures.maxAbsDiff(logits, try ModelFixtures.floats(logitsURL))
                XCTAssertLessThanOrEqual(d, Self.logitsTolerance, "\(name)/\(stem) step-0 logits")
                worstLogits = max(worstLogits, d)
                logitFiles += 1
            }

            for run in runs {
                let settings = try XCTUnwrap(run["settings"] as? [String: Any])
                let expectedTokens = try XCTUnwrap(run["tokens"] as? [Int])
                let expectedText = try XCTUnwrap(run["text"] as? String)
                var config = engine.generationConfig
                try config.update(settings)
                let tokens = try Generator(model: engine.model).generate(encoderOutput: encoded, config: config)
                let key = GenerationTokenTests.describe(settings)
                XCTAssertEqual(tokens, expectedTokens, "\(name)/\(stem) tokens, settings \(key)")
                let text = engine.tokenizer.decode(tokens, skipSpecialTokens: true)
                XCTAssertEqual(text, expectedText, "\(name)/\(stem) text, settings \(key)")
                sequences += 1
                if tokens == expectedTokens { identical += 1 }
                if text == expectedText { texts += 1 }
            }
        }
        print("\(name): \(results.count) images; pixels exact on \(pixelFiles) files; "
              + "encoder OK maxdiff=\(worstEncoder) over \(encoderFiles); logits0 OK maxdiff=\(worstLogits) over \(logitFiles); "
              + "tokens identical \(identical)/\(sequences); text identical \(texts)/\(sequences)")
        XCTAssertGreaterThan(encoderFiles, 0, "\(name): no encoder fixtures compared")
        XCTAssertGreaterThan(logitFiles, 0, "\(name): no logits fixtures compared")
    }

    /// The fixture image whose stem is `stem` (the manifest maps stems to files).
    static func imageURL(_ stem: String) throws -> URL {
        let images = ModelFixtures.root.appendingPathComponent("images")
        for ext in ["jpg", "png"] {
            let url = images.appendingPathComponent("\(stem).\(ext)")
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: images.appendingPathComponent(stem).path])
    }

    func testTinySafetensors() throws { try checkModel("tiny-st") }
    func testTinyBinWithProjection() throws { try checkModel("tiny-bin") }
    func testTinyFP16Safetensors() throws { try checkModel("tiny-fp16") }
    func testTinyBF16Bin() throws { try checkModel("tiny-bf16") }
}

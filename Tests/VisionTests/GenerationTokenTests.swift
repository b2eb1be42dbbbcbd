import Foundation
import XCTest
@testable import Vision

/// Exact token equality with transformers 4.40.2 `generate` for every image and setting in the
/// fixtures' results.json.
final class GenerationTokenTests: XCTestCase {
    /// Runs every (image, setting) of `name` and returns (agreeing, total) per setting.
    func checkTokens(_ name: String, optional: Bool) throws {
        try ModelFixtures.requireModel(name, optional: optional)
        let dir = ModelFixtures.modelDirectory(name)
        let model = try VisionEncoderDecoder(directory: dir)
        let base = try GenerationConfig(directory: dir)
        let exp = ModelFixtures.expectedDirectory(name)
        let results = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: exp.appendingPathComponent("results.json"))) as? [String: Any])
        var agree: [String: (Int, Int)] = [:]
        for stem in try ModelFixtures.stems(name) {
            let perImage = try XCTUnwrap(results[stem] as? [String: Any], "results.json has no \(stem)")
            let encoder = try model.encode(pixelValues: ModelFixtures.floats(exp.appendingPathComponent("\(stem).pixels.f32")))
            for (setting, value) in perImage where !setting.hasPrefix("_") {
                let entry = try XCTUnwrap(value as? [String: Any])
                let kwargs = try XCTUnwrap(entry["kwargs"] as? [String: Any])
                let expected = try XCTUnwrap(entry["tokens"] as? [Int])
                var config = base
                try config.update(kwargs)
                let got = try Generator(model: model).generate(encoderOutput: encoder, config: config)
                XCTAssertEqual(got, expected, "\(name)/\(stem) setting \(setting) \(kwargs)")
                let (a, t) = agree[setting] ?? (0, 0)
                agree[setting] = (a + (got == expected ? 1 : 0), t + 1)
            }
        }
        for (setting, (a, t)) in agree.sorted(by: { $0.key < $1.key }) {
            print("\(name) \(setting): \(a)/\(t) token sequences identical")
        }
        XCTAssertFalse(agree.isEmpty, "no generation settings for \(name)")
    }

    func testTinySafetensorsTokens() throws { try checkTokens("tiny-st", optional: false) }
    func testDevSameWidthTokens() throws { try checkTokens("dev-st", optional: true) }
    func testDevProjectionTokens() throws { try checkTokens("dev-proj", optional: true) }
}

import Foundation
import XCTest
@testable import Vision

/// Hostile generation sizes (issue 11, finding 2): `num_beams`, `max_length` and
/// `max_new_tokens` beyond their limits are errors naming the limit, from the overrides and from
/// generation_config.json, and decoder-state sizes whose products overflow are errors, not traps.
final class GenerationLimitTests: XCTestCase {
    func testOverridesBeyondTheLimitsNameTheLimit() throws {
        let base = try GenerationConfig(directory: ModelFixtures.modelDirectory("tiny-st"))
        let cases: [(GenerationOverrides, String)] = [
            (GenerationOverrides(numBeams: 200_000), "num_beams"),
            (GenerationOverrides(numBeams: 1 << 58), "num_beams"),
            (GenerationOverrides(maxLength: 513), "max_length"),
            (GenerationOverrides(maxNewTokens: Int.max), "max_new_tokens"),
        ]
        for (overrides, key) in cases {
            XCTAssertThrowsError(try base.applying(overrides), "\(overrides)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(key), text)
                XCTAssertTrue(text.contains(key == "num_beams" ? "from 1 to 16" : "from 1 to 512"), text)
            }
        }
        // The limits themselves are allowed.
        let edge = try base.applying(GenerationOverrides(numBeams: 16, maxNewTokens: 512))
        XCTAssertEqual(edge.numBeams, 16)
        XCTAssertEqual(edge.maxNewTokens, 512)
    }

    func testGenerationConfigFileBeyondTheLimitNamesFileAndKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("genlimit-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.modelDirectory("tiny-st"), to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("generation_config.json")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["num_beams"] = 200_000
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        XCTAssertThrowsError(try GenerationConfig(directory: dir)) { error in
            XCTAssertEqual(error as? ModelJSONError,
                           .invalidField(file: url.path, path: "num_beams", expected: "an integer from 1 to 16", found: "200000"))
        }
    }

    /// Sizes no request can reach any more, given straight to the decoder: their products wrap
    /// an `Int`, which used to trap (debug) or allocate a wrapped size and write past it.
    func testDecoderStateWithOverflowingSizesIsAnError() throws {
        let model = try VisionEncoderDecoder(directory: ModelFixtures.modelDirectory("tiny-st"))
        let encoded = [Float](repeating: 0, count: model.encoderTokens * model.encoderWidth)
        for rows in [1 << 58, 1 << 62, Int.max] {
            XCTAssertThrowsError(try model.makeState(encoderOutput: encoded, rows: rows, capacity: 8)) { error in
                XCTAssertEqual("\(error)", "decoder state for \(rows) rows (beams) x 8 positions (step 1) is too large to allocate")
            }
        }
        // An ordinary state still works after the refusals.
        XCTAssertNoThrow(try model.makeState(encoderOutput: encoded, rows: 2, capacity: 8))
    }
}

import Foundation
import XCTest
@testable import Vision

/// Generation-config resolution against transformers 4.40.2. `referenceCases` is verbatim output
/// of scripts/dev/generation_config_reference.py (each case edits a tiny model's config.json /
/// generation_config.json, loads it with `from_pretrained` and prints what `generate` uses).
final class GenerationConfigTests: XCTestCase {
    static let referenceCases = #"""
{"case": "generation_config.json wins", "top": {"num_beams": 1}, "drop_top": [], "decoder": {}, "drop_decoder": [], "gen": {"max_length": 12, "num_beams": 3, "decoder_start_token_id": 95, "eos_token_id": 95}, "resolved": {"max_length": 12, "max_new_tokens": null, "min_length": 0, "min_new_tokens": null, "num_beams": 3, "early_stopping": false, "length_penalty": 1.0, "no_repeat_ngram_size": 0, "repetition_penalty": 1.0, "eos_token_id": 95, "pad_token_id": null, "bos_token_id": null, "decoder_start_token_id": 95}}
{"case": "from_model_config: decoder fills defaults", "top": {"num_beams": 3}, "drop_top": [], "decoder": {"no_repeat_ngram_size": 2, "max_length": 30, "num_beams": 5}, "drop_decoder": [], "gen": null, "resolved": {"max_length": 30, "max_new_tokens": null, "min_length": 0, "min_new_tokens": null, "num_beams": 3, "early_stopping": false, "length_penalty": 1.0, "no_repeat_ngram_size": 2, "repetition_penalty": 1.0, "eos_token_id": 95, "pad_token_id": 95, "bos_token_id": 95, "decoder_start_token_id": 95}}
{"case": "from_model_config: GPT-2 bos/eos defaults", "top": {}, "drop_top": ["decoder_start_token_id", "pad_token_id", "eos_token_id"], "decoder": {}, "drop_decoder": ["bos_token_id", "eos_token_id"], "gen": null, "resolved": {"max_length": 20, "max_new_tokens": null, "min_length": 0, "min_new_tokens": null, "num_beams": 1, "early_stopping": false, "length_penalty": 1.0, "no_repeat_ngram_size": 0, "repetition_penalty": 1.0, "eos_token_id": 50256, "pad_token_id": null, "bos_token_id": 50256, "decoder_start_token_id": null}}
{"case": "legacy _from_model_config with non-default top level", "top": {"num_beams": 2, "length_penalty": 0.7}, "drop_top": [], "decoder": {}, "drop_decoder": [], "gen": {"_from_model_config": true, "max_length": 9, "num_beams": 4, "eos_token_id": 95, "decoder_start_token_id": 95}, "resolved": {"max_length": 20, "max_new_tokens": null, "min_length": 0, "min_new_tokens": null, "num_beams": 2, "early_stopping": false, "length_penalty": 0.7, "no_repeat_ngram_size": 0, "repetition_penalty": 1.0, "eos_token_id": 95, "pad_token_id": 95, "bos_token_id": 95, "decoder_start_token_id": 95}}
{"case": "legacy flag but top level all default", "top": {}, "drop_top": [], "decoder": {}, "drop_decoder": [], "gen": {"_from_model_config": true, "max_length": 9, "num_beams": 4, "eos_token_id": 95, "decoder_start_token_id": 95}, "resolved": {"max_length": 9, "max_new_tokens": null, "min_length": 0, "min_new_tokens": null, "num_beams": 4, "early_stopping": false, "length_penalty": 1.0, "no_repeat_ngram_size": 0, "repetition_penalty": 1.0, "eos_token_id": 95, "pad_token_id": null, "bos_token_id": null, "decoder_start_token_id": 95}}
{"case": "eos list, never, max_new_tokens", "top": {}, "drop_top": [], "decoder": {}, "drop_decoder": [], "gen": {"eos_token_id": [95, 3], "early_stopping": "never", "max_new_tokens": 6, "decoder_start_token_id": 95, "min_new_tokens": 2}, "resolved": {"max_length": 20, "max_new_tokens": 6, "min_length": 0, "min_new_tokens": 2, "num_beams": 1, "early_stopping": "never", "length_penalty": 1.0, "no_repeat_ngram_size": 0, "repetition_penalty": 1.0, "eos_token_id": [95, 3], "pad_token_id": null, "bos_token_id": null, "decoder_start_token_id": 95}}
"""#

    /// The config.json the reference cases start from (the dev-st model's, reduced to the keys
    /// that matter; every other key there is at its default).
    static var baseConfig: [String: Any] { [
        "decoder_start_token_id": 95, "pad_token_id": 95, "eos_token_id": 95,
        "decoder": ["bos_token_id": 95, "eos_token_id": 95, "max_length": 20, "num_beams": 1,
                    "no_repeat_ngram_size": 0, "early_stopping": false, "decoder_start_token_id": NSNull(),
                    "pad_token_id": NSNull()] as [String: Any],
    ] }

    func testMatchesTransformersResolution() throws {
        for line in Self.referenceCases.split(separator: "\n") {
            let c = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let name = c["case"] as! String
            var top = Self.baseConfig
            for k in c["drop_top"] as! [String] { top[k] = nil }
            for (k, v) in c["top"] as! [String: Any] { top[k] = v }
            var dec = top["decoder"] as! [String: Any]
            for k in c["drop_decoder"] as! [String] { dec[k] = nil }
            for (k, v) in c["decoder"] as! [String: Any] { dec[k] = v }
            top["decoder"] = dec
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gencfg-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try JSONSerialization.data(withJSONObject: top).write(to: dir.appendingPathComponent("config.json"))
            if let gen = c["gen"] as? [String: Any] {
                try JSONSerialization.data(withJSONObject: gen).write(to: dir.appendingPathComponent("generation_config.json"))
            }
            let g = try GenerationConfig(directory: dir)
            let r = c["resolved"] as! [String: Any]
            XCTAssertEqual(g.maxLength, r["max_length"] as? Int, name)
            XCTAssertEqual(g.maxNewTokens, r["max_new_tokens"] as? Int, name)
            XCTAssertEqual(g.minLength, r["min_length"] as? Int, name)
            XCTAssertEqual(g.minNewTokens, r["min_new_tokens"] as? Int, name)
            XCTAssertEqual(g.numBeams, r["num_beams"] as? Int, name)
            XCTAssertEqual(g.lengthPenalty, (r["length_penalty"] as? NSNumber)?.doubleValue, name)
            XCTAssertEqual(g.repetitionPenalty, (r["repetition_penalty"] as? NSNumber)?.doubleValue, name)
            XCTAssertEqual(g.noRepeatNgramSize, r["no_repeat_ngram_size"] as? Int, name)
            let es: GenerationConfig.EarlyStopping = (r["early_stopping"] as? String) == "never" ? .never
                : ((r["early_stopping"] as? Bool) == true ? .immediate : .heuristic)
            XCTAssertEqual(g.earlyStopping, es, name)
            let eos = r["eos_token_id"] is NSNull ? nil : ((r["eos_token_id"] as? [Int]) ?? [r["eos_token_id"] as! Int])
            XCTAssertEqual(g.eosTokenIDs, eos, name)
            XCTAssertEqual(g.padTokenID, r["pad_token_id"] as? Int, name)
            XCTAssertEqual(g.bosTokenID, r["bos_token_id"] as? Int, name)
            XCTAssertEqual(g.decoderStartTokenID, r["decoder_start_token_id"] as? Int, name)
        }
    }

    func testOverridesAndMaxNewTokensPrecedence() throws {
        var g = GenerationConfig()
        g.decoderStartTokenID = 5
        g.eosTokenIDs = [7, 9]
        var o = try g.applying(GenerationOverrides(numBeams: 4, maxLength: 30))
        XCTAssertEqual(o.numBeams, 4)
        var r = try o.resolved(vocabSize: 50, maxPositions: 64)
        XCTAssertEqual(r.maxLength, 30)
        XCTAssertEqual(r.pad, 7, "pad_token_id defaults to the first eos_token_id")
        o = try o.applying(GenerationOverrides(maxNewTokens: 6))
        r = try o.resolved(vocabSize: 50, maxPositions: 64)
        XCTAssertEqual(r.maxLength, 7, "max_new_tokens + the one-token decoder prompt wins over max_length")
        g.minLength = 10
        g.minNewTokens = 2
        XCTAssertEqual(try g.resolved(vocabSize: 50, maxPositions: 64).processors.minLength, 3,
                       "min_new_tokens replaces min_length by min_new_tokens + prompt length")
    }

    func testInvalidAndUnsupportedOptionsAreNamed() throws {
        var g = GenerationConfig()
        g.decoderStartTokenID = 1
        XCTAssertThrowsError(try g.update(["max_new_tokens": 0])) { XCTAssertTrue("\($0)".contains("max_new_tokens")) }
        XCTAssertThrowsError(try g.update(["early_stopping": "sometimes"])) { XCTAssertTrue("\($0)".contains("early_stopping")) }
        var s = g
        try s.update(["do_sample": true, "bad_words_ids": [[3]]])
        XCTAssertThrowsError(try s.resolved(vocabSize: 10, maxPositions: 20)) { e in
            XCTAssertTrue("\(e)".contains("do_sample") && "\(e)".contains("bad_words_ids"), "\(e)")
        }
        try s.update(["do_sample": false, "bad_words_ids": NSNull()])
        XCTAssertNoThrow(try s.resolved(vocabSize: 10, maxPositions: 20))
        var long = g
        long.maxLength = 21
        XCTAssertThrowsError(try long.resolved(vocabSize: 10, maxPositions: 20)) { XCTAssertTrue("\($0)".contains("n_positions")) }
        var one = g
        one.maxLength = 1
        XCTAssertThrowsError(try one.resolved(vocabSize: 10, maxPositions: 20)) { XCTAssertTrue("\($0)".contains("max_length")) }
        var none = GenerationConfig()
        none.decoderStartTokenID = nil
        XCTAssertThrowsError(try none.resolved(vocabSize: 10, maxPositions: 20)) {
            XCTAssertEqual($0 as? GenerationError, .missingDecoderStartToken)
        }
        var outside = g
        outside.decoderStartTokenID = 50256
        XCTAssertThrowsError(try outside.resolved(vocabSize: 10, maxPositions: 20)) {
            XCTAssertTrue("\($0)".contains("decoder_start_token_id"))
        }
    }
}

import Foundation
import XCTest
@testable import Vision

/// Every JSON file of a model directory goes through `ModelJSON`, and a bad value anywhere is
/// reported with its file, its field path and what was found there. Each case copies the tiny-st
/// fixture model, spoils one field, and loads the copy the way the daemon does (`CaptionEngine`).
final class ModelJSONTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("modeljson-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ModelFixtures.modelDirectory("tiny-st"), to: directory)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    /// Rewrites `name` in the copied model with `edit` applied to its top-level object.
    private func edit(_ name: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = directory.appendingPathComponent(name)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// Loading the copied model fails with exactly `expected`.
    private func assertLoadFails(_ expected: ModelJSONError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CaptionEngine(modelDirectory: directory), file: file, line: line) { error in
            XCTAssertEqual(error as? ModelJSONError, expected, "\(error)", file: file, line: line)
        }
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testTheFixtureModelLoads() throws {
        XCTAssertNoThrow(try CaptionEngine(modelDirectory: directory))
    }

    func testConfigJSONNamesTheFieldPath() throws {
        try edit("config.json") { top in
            var decoder = top["decoder"] as! [String: Any]
            decoder["n_embd"] = "x"
            top["decoder"] = decoder
        }
        assertLoadFails(.invalidField(file: path("config.json"), path: "decoder.n_embd",
                                      expected: "an integer", found: "\"x\""))
        XCTAssertThrowsError(try CaptionEngine(modelDirectory: directory)) { error in
            XCTAssertEqual("\(error)", path("config.json") + #": decoder.n_embd: expected an integer, found "x""#)
        }
    }

    func testConfigJSONMissingSubconfigAndNull() throws {
        try edit("config.json") { $0["decoder"] = nil }
        assertLoadFails(.missingField(file: path("config.json"), path: "decoder"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: ModelFixtures.modelDirectory("tiny-st").appendingPathComponent("config.json"),
                                         to: directory.appendingPathComponent("config.json"))
        try edit("config.json") { top in
            var encoder = top["encoder"] as! [String: Any]
            encoder["qkv_bias"] = [true]
            top["encoder"] = encoder
        }
        assertLoadFails(.invalidField(file: path("config.json"), path: "encoder.qkv_bias",
                                      expected: "true or false", found: "[true]"))
    }

    func testConfigJSONThatIsNotJSON() throws {
        try Data("{\"encoder\": {".utf8).write(to: directory.appendingPathComponent("config.json"))
        assertLoadFails(.notJSON(file: path("config.json")))
        XCTAssertThrowsError(try CaptionEngine(modelDirectory: directory)) { error in
            XCTAssertEqual("\(error)", self.path("config.json") + ": not valid JSON")
        }
    }

    func testGenerationConfigNamesTheKey() throws {
        try edit("generation_config.json") { $0["num_beams"] = "four" }
        assertLoadFails(.invalidField(file: path("generation_config.json"), path: "num_beams",
                                      expected: "an integer", found: "\"four\""))
        try edit("generation_config.json") { $0["num_beams"] = 0 }
        assertLoadFails(.invalidField(file: path("generation_config.json"), path: "num_beams",
                                      expected: "an integer of at least 1", found: "0"))
        try edit("generation_config.json") { $0["num_beams"] = 1; $0["eos_token_id"] = [3, "x"] }
        assertLoadFails(.invalidField(file: path("generation_config.json"), path: "eos_token_id",
                                      expected: "an integer or a list of integers", found: #"[3, "x"]"#))
    }

    /// Without generation_config.json the attributes come from config.json, the decoder's under
    /// `decoder.`, and an error says which one was read.
    func testGenerationAttributesFromConfigJSONNameTheirPath() throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("generation_config.json"))
        try edit("config.json") { top in
            var decoder = top["decoder"] as! [String: Any]
            decoder["max_new_tokens"] = -2
            top["decoder"] = decoder
        }
        assertLoadFails(.invalidField(file: path("config.json"), path: "decoder.max_new_tokens",
                                      expected: "an integer greater than 0", found: "-2"))
        try edit("config.json") { $0["early_stopping"] = "sometimes" }
        assertLoadFails(.invalidField(file: path("config.json"), path: "early_stopping",
                                      expected: #"true, false or "never""#, found: #""sometimes""#))
    }

    func testPreprocessorConfigNamesTheKey() throws {
        try edit("preprocessor_config.json") { $0["size"] = ["shortest_edge": 224] }
        assertLoadFails(.invalidField(file: path("preprocessor_config.json"), path: "size",
                                      expected: #"{"height": h, "width": w} or a positive int"#,
                                      found: #"{"shortest_edge": 224}"#))
    }

    func testTokenizerFilesNameTheFieldPath() throws {
        try edit("vocab.json") { $0["hello"] = -1 }
        assertLoadFails(.invalidField(file: path("vocab.json"), path: "hello", expected: "a non-negative token id", found: "-1"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocab.json"))
        try FileManager.default.copyItem(at: ModelFixtures.modelDirectory("tiny-st").appendingPathComponent("vocab.json"),
                                         to: directory.appendingPathComponent("vocab.json"))

        try edit("tokenizer_config.json") { config in
            var decoder = config["added_tokens_decoder"] as! [String: Any]
            var entry = decoder["1199"] as! [String: Any]
            entry["lstrip"] = "no"
            decoder["1199"] = entry
            config["added_tokens_decoder"] = decoder
        }
        assertLoadFails(.invalidField(file: path("tokenizer_config.json"), path: "added_tokens_decoder.1199.lstrip",
                                      expected: "true or false", found: "\"no\""))
        try edit("tokenizer_config.json") { config in
            config["added_tokens_decoder"] = nil
            config["additional_special_tokens"] = ["<|cap|>", 7]
        }
        assertLoadFails(.invalidField(file: path("tokenizer_config.json"), path: "additional_special_tokens[1]",
                                      expected: "a token string or an AddedToken object", found: "7"))
        try edit("tokenizer_config.json") { $0["additional_special_tokens"] = nil }
        try edit("special_tokens_map.json") { $0["bos_token"] = ["lstrip": false] }
        assertLoadFails(.missingField(file: path("special_tokens_map.json"), path: "bos_token.content"))
    }

    /// tokenizer.json alone (no vocab.json and merges.txt), as `AutoTokenizer` reads it.
    func testTokenizerJSONNamesTheFieldPath() throws {
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        XCTAssertNoThrow(try CaptionEngine(modelDirectory: directory))
        try edit("tokenizer.json") { json in
            var model = json["model"] as! [String: Any]
            var merges = model["merges"] as! [Any]
            merges[2] = "a b c"
            model["merges"] = merges
            json["model"] = model
        }
        assertLoadFails(.invalidField(file: path("tokenizer.json"), path: "model.merges[2]",
                                      expected: #"a pair "a b" or ["a", "b"]"#, found: #""a b c""#))
        try edit("tokenizer.json") { json in
            var model = json["model"] as! [String: Any]
            model["vocab"] = nil
            json["model"] = model
        }
        assertLoadFails(.missingField(file: path("tokenizer.json"), path: "model.vocab"))
    }

    func testShardIndexNamesTheFieldPath() throws {
        let sharded = directory.appendingPathComponent("sharded")
        try FileManager.default.copyItem(at: CheckpointTests.root.appendingPathComponent("dir-sharded"), to: sharded)
        let index = sharded.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": 2}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint.load(directory: sharded)) { error in
            XCTAssertEqual(error as? ModelJSONError, .invalidField(file: index.path, path: "weight_map.b",
                                                                   expected: "a string", found: "2"))
        }
        try Data(#"{"metadata": {}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try Checkpoint.load(directory: sharded)) { error in
            XCTAssertEqual(error as? ModelJSONError, .missingField(file: index.path, path: "weight_map"))
        }
    }

    func testValuesPrintAsJSON() {
        let value: ModelJSONValue = ["a": [1, 2.5, "x", nil, true], "b": [:]]
        XCTAssertEqual(value.description, #"{"a": [1, 2.5, "x", null, true], "b": {}}"#)
        XCTAssertTrue(ModelJSONValue.bool(true).pythonEquals(.int(1)))
        XCTAssertTrue(ModelJSONValue.int(1).pythonEquals(.double(1.0)))
        XCTAssertFalse(ModelJSONValue.null.pythonEquals(.int(0)))
        XCTAssertFalse(ModelJSONValue.string("1").pythonEquals(.int(1)))
        let long = ModelJSONValue.string(String(repeating: "y", count: 200))
        XCTAssertEqual(long.description.count, 80)
    }
}

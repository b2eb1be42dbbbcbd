import Foundation
import XCTest
@testable import Vision

/// The fixtures' GPT-2-format tokenizer (`Tests/Fixtures/models/tiny-st`) against its
/// `Tests/Fixtures/tokenizer/cases.json`, both made by `scripts/make_fixtures.py` with
/// transformers 4.40.2. `ASSIST_TOKENIZER_DIR` and `ASSIST_TOKENIZER_CASES` point elsewhere.
///
/// Loaded twice: as found (vocab.json + merges.txt preferred) and from `tokenizer.json` alone,
/// the file `AutoTokenizer` actually reads when both exist.
final class TokenizerFixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    func testFixtureCases() throws {
        let env = ProcessInfo.processInfo.environment
        let directory = env["ASSIST_TOKENIZER_DIR"].map { URL(fileURLWithPath: $0) }
            ?? Self.fixtures.appendingPathComponent("models/tiny-st")
        let casesURL = env["ASSIST_TOKENIZER_CASES"].map { URL(fileURLWithPath: $0) }
            ?? Self.fixtures.appendingPathComponent("tokenizer/cases.json")
        guard FileManager.default.fileExists(atPath: casesURL.path),
              FileManager.default.fileExists(atPath: directory.appendingPathComponent("tokenizer_config.json").path)
        else { throw XCTSkip("no tokenizer fixtures at \(casesURL.path) / \(directory.path)") }
        let cases = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: casesURL)) as? [String: Any])

        let jsonOnly = FileManager.default.temporaryDirectory.appendingPathComponent("tokjson-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: jsonOnly, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: jsonOnly) }
        for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = directory.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: src.path) {
                try FileManager.default.copyItem(at: src, to: jsonOnly.appendingPathComponent(name))
            }
        }
        var tokenizers = [("as found", try BPETokenizer(directory: directory))]
        if FileManager.default.fileExists(atPath: jsonOnly.appendingPathComponent("tokenizer.json").path) {
            tokenizers.append(("tokenizer.json only", try BPETokenizer(directory: jsonOnly)))
        }

        func check(_ tok: BPETokenizer, _ label: String, _ ids: [Int], _ expected: [String: Any]) {
            let variants: [(String, Bool, Bool?)] = [
                ("skip_special", true, nil), ("keep_special", false, nil),
                ("skip_special_no_cleanup", true, false), ("keep_special_no_cleanup", false, false),
            ]
            for (key, skip, cleanup) in variants {
                guard let want = expected[key] as? String else { continue }
                XCTAssertEqual(tok.decode(ids, skipSpecialTokens: skip, cleanUpTokenizationSpaces: cleanup), want, "\(label) \(key) \(ids)")
            }
        }

        var encodeCount = 0, decodeCount = 0
        for (label, tok) in tokenizers {
            for case let c as [String: Any] in cases["encode"] as? [Any] ?? [] {
                let text = try XCTUnwrap(c["text"] as? String)
                let ids = try XCTUnwrap(c["ids"] as? [Int])
                XCTAssertEqual(tok.encode(text), ids, "\(label) encode \(text.debugDescription)")
                check(tok, "\(label) \(text.debugDescription)", ids, c)
                encodeCount += 1
            }
            for case let c as [String: Any] in cases["decode"] as? [Any] ?? [] {
                let ids = try XCTUnwrap(c["ids"] as? [Int])
                check(tok, "\(label) \(c["name"] ?? "")", ids, try XCTUnwrap(c["fast"] as? [String: Any]))
                decodeCount += 1
            }
        }
        print("tokenizer fixture cases: \(encodeCount) encode, \(decodeCount) decode over \(tokenizers.count) loadings")
        XCTAssertGreaterThan(encodeCount, 0)
        XCTAssertGreaterThan(decodeCount, 0)
    }
}

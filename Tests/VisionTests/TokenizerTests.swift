import Foundation
import XCTest
@testable import Vision

/// Exact equality with transformers 4.40.2 `AutoTokenizer` (GPT2TokenizerFast, tokenizers 0.19.1)
/// on `Tests/Fixtures/checkpoint-unit/tokenizer/cases.json`, made by
/// `scripts/make_checkpoint_fixtures.py` for a tiny BPE trained there and saved in four layouts.
final class TokenizerTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoint-unit/tokenizer")

    struct Cases: Decodable {
        struct Encode: Decodable { var dir: String; var text: String; var ids: [Int] }
        struct Decode: Decodable { var dir: String; var ids: [Int]; var skip: Bool; var text: String }
        struct PreTokenize: Decodable { var text: String; var offsets: [[Int]] }
        var directories: [String]
        var encode: [Encode]
        var decode: [Decode]
        var pretokenize: [PreTokenize]
    }

    func cases() throws -> Cases {
        try JSONDecoder().decode(Cases.self, from: Data(contentsOf: Self.root.appendingPathComponent("cases.json")))
    }

    func tokenizers(_ names: [String]) throws -> [String: BPETokenizer] {
        var out: [String: BPETokenizer] = [:]
        for name in names { out[name] = try BPETokenizer(directory: Self.root.appendingPathComponent(name)) }
        return out
    }

    func testEncodeMatchesTransformers() throws {
        let c = try cases()
        let toks = try tokenizers(c.directories)
        XCTAssertEqual(c.directories.count, 4)
        XCTAssertGreaterThan(c.encode.count, 150)
        var failures = 0
        for e in c.encode {
            let ids = toks[e.dir]!.encode(e.text)
            if ids != e.ids {
                failures += 1
                XCTFail("\(e.dir) encode \(e.text.debugDescription): \(ids) != \(e.ids)")
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testDecodeMatchesTransformers() throws {
        let c = try cases()
        let toks = try tokenizers(c.directories)
        XCTAssertGreaterThan(c.decode.count, 500)
        var failures = 0
        for d in c.decode {
            let text = toks[d.dir]!.decode(d.ids, skipSpecialTokens: d.skip)
            if text != d.text {
                failures += 1
                XCTFail("\(d.dir) decode \(d.ids) skip=\(d.skip): \(text.debugDescription) != \(d.text.debugDescription)")
            }
        }
        XCTAssertEqual(failures, 0)
        // The cases do exercise replacement characters, skipped specials and the cleanup.
        XCTAssertTrue(c.decode.contains { $0.text.contains("\u{FFFD}") })
        XCTAssertTrue(c.decode.contains { !$0.skip && $0.text.contains("<|endoftext|>") })
    }

    /// Piece boundaries (code point offsets) equal tokenizers' `ByteLevel.pre_tokenize_str` on
    /// random strings of whitespace, letters, marks, numbers, format and emoji characters.
    func testPreTokenizerMatchesTokenizers() throws {
        let c = try cases()
        XCTAssertEqual(c.pretokenize.count, 400)
        var failures = 0
        for p in c.pretokenize {
            let pieces = GPT2PreTokenizer.split(Array(p.text.unicodeScalars)).map { [$0.lowerBound, $0.upperBound] }
            if pieces != p.offsets {
                failures += 1
                XCTFail("\(p.text.unicodeScalars.map { String($0.value, radix: 16) }): \(pieces) != \(p.offsets)")
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testLossyUTF8ReplacesMaximalSubparts() {
        // Expected strings checked against Python 3 `bytes.decode("utf-8", "replace")`.
        XCTAssertEqual(UTF8Lossy.decode([0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64]),
                       "a\u{FFFD}\u{FFFD}\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d")
        XCTAssertEqual(UTF8Lossy.decode([0xC0, 0xAF, 0xE0, 0x80, 0xBF, 0xF0, 0x81, 0x82, 0x41]),
                       String(repeating: "\u{FFFD}", count: 8) + "A")
        XCTAssertEqual(UTF8Lossy.decode([0xED, 0xA0, 0x80, 0xED, 0xBF, 0xBF, 0xED, 0xAF, 0x41]),
                       String(repeating: "\u{FFFD}", count: 8) + "A")
        XCTAssertEqual(UTF8Lossy.decode([0xF4, 0x91, 0x92, 0x93, 0xFF, 0x41, 0x80, 0xBF, 0x42]),
                       String(repeating: "\u{FFFD}", count: 5) + "A\u{FFFD}\u{FFFD}B")
        XCTAssertEqual(UTF8Lossy.decode(Array("ok ✓ 😀".utf8)), "ok ✓ 😀")
    }

    func testPreTokenizerPieces() {
        func pieces(_ s: String) -> [String] {
            let scalars = Array(s.unicodeScalars)
            return GPT2PreTokenizer.split(scalars).map { r in
                var v = String.UnicodeScalarView()
                v.append(contentsOf: scalars[r])
                return String(v)
            }
        }
        XCTAssertEqual(pieces("I'm  here's 42x!"), ["I", "'m", " ", " here", "'s", " 42", "x", "!"])
        XCTAssertEqual(pieces("a \n b  "), ["a", " \n", " b", "  "])
        XCTAssertEqual(pieces("'S's"), ["'", "S", "'s"])
    }

    func testMissingAndBadFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try BPETokenizer(directory: dir)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingFiles(directory: dir.path))
        }
        try Data("{\"a\": 0".utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        XCTAssertThrowsError(try BPETokenizer(directory: dir)) { error in
            XCTAssertEqual(error as? ModelJSONError, .notJSON(file: dir.appendingPathComponent("vocab.json").path))
        }
        try Data("{\"a\": 0, \"b\": 1, \"ab\": 2}".utf8).write(to: dir.appendingPathComponent("vocab.json"))
        try Data("#version: 0.2\na b c\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        XCTAssertThrowsError(try BPETokenizer(directory: dir)) { error in
            XCTAssertEqual(error as? TokenizerError, .invalidFile(dir.appendingPathComponent("merges.txt").path, reason: "line 2 is not a pair of tokens"))
        }
        try Data("#version: 0.2\na b\n".utf8).write(to: dir.appendingPathComponent("merges.txt"))
        let tok = try BPETokenizer(directory: dir)
        XCTAssertEqual(tok.encode("abab"), [2, 2])
        XCTAssertEqual(tok.decode([2, 0, 99, 1]), "abab")
    }
}

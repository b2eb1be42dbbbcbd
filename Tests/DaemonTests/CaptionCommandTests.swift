import Foundation
import XCTest

/// `assistd caption`, the one-shot CLI, driven as a user runs it.
final class CaptionCommandTests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func assistd(_ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: e, as: UTF8.self))
    }

    var fixtures: URL { DaemonHarness.fixtures }

    /// transformers' tokens and text for `stem` under the checkpoint defaults (no generate kwargs).
    func expectedDefault(model: String, stem: String) throws -> (tokens: [Int], text: String) {
        let url = fixtures.appendingPathComponent("expected/\(model)/results.json")
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let results = try XCTUnwrap(payload["results"] as? [String: [[String: Any]]])
        let run = try XCTUnwrap(results[stem]?.first { ($0["settings"] as? [String: Any])?.isEmpty == true })
        return (try XCTUnwrap(run["tokens"] as? [Int]), try XCTUnwrap(run["text"] as? String))
    }

    /// JSON lines carry exactly transformers' tokens and text, for the .safetensors and the .bin model.
    func testJSONLinesEqualTransformersForBothFormats() throws {
        let stems = ["exif-6", "png-palette-trns", "jpeg-odd-97x55"]
        for model in ["tiny-st", "tiny-bin"] {
            let images = try stems.map { try EndToEndImages.url(fixtures, $0).path }
            let run = try assistd(["caption", "--model", fixtures.appendingPathComponent("models/\(model)").path, "--json"] + images)
            XCTAssertEqual(run.status, 0, run.stderr)
            let lines = run.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, stems.count)
            for (stem, line) in zip(stems, lines) {
                let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let want = try expectedDefault(model: model, stem: stem)
                XCTAssertEqual(obj["tokens"] as? [Int], want.tokens, "\(model)/\(stem)")
                XCTAssertEqual(obj["caption"] as? String, want.text, "\(model)/\(stem)")
                XCTAssertTrue((obj["image"] as? String)?.hasSuffix(stem + (stem.hasPrefix("png") ? ".png" : ".jpg")) == true)
                let timing = try XCTUnwrap(obj["timing_ms"] as? [String: Double])
                XCTAssertEqual(Set(timing.keys), ["decode", "encode", "generate"])
            }
        }
    }

    /// Bad images each get one stderr line naming the file and the reason; the good ones are still
    /// captioned, in order; the exit status is 1 at the end.
    func testBadImagesAreNamedAndTheRestAreCaptioned() throws {
        let bad = fixtures.appendingPathComponent("bad")
        let good = try EndToEndImages.url(fixtures, "exif-3").path
        let cases: [(String, String)] = [
            ("truncated.jpg", "truncated"),
            ("random.bin", "not a JPEG or PNG"),
            ("empty.jpg", "empty"),
            ("huge-header.jpg", "60000x60000"),
            ("huge-header.png", "60000x60000"),
        ]
        let args = ["caption", "--model", fixtures.appendingPathComponent("models/tiny-st").path]
            + [good] + cases.map { bad.appendingPathComponent($0.0).path } + ["/nonexistent/photo.jpg", good]
        let run = try assistd(args)
        XCTAssertEqual(run.status, 1)
        let want = try expectedDefault(model: "tiny-st", stem: "exif-3")
        XCTAssertEqual(run.stdout, "\(good): \(want.text)\n\(good): \(want.text)\n")
        let errors = run.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(errors.count, cases.count + 1, run.stderr)
        for ((file, reason), line) in zip(cases, errors) {
            XCTAssertTrue(line.contains(file) && line.contains(reason), "\(file): \(line)")
        }
        XCTAssertTrue(errors.last?.contains("/nonexistent/photo.jpg") == true && errors.last?.contains("no such file") == true)
    }

    /// A missing model directory or file is named, with its own exit status.
    func testMissingModelIsNamed() throws {
        let run = try assistd(["caption", "--model", "/nonexistent/model", try EndToEndImages.url(fixtures, "exif-1").path])
        XCTAssertEqual(run.status, 3)
        XCTAssertTrue(run.stderr.contains("/nonexistent/model"), run.stderr)

        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("caption-model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("models/tiny-st"), to: tmp)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.removeItem(at: tmp.appendingPathComponent("model.safetensors"))
        let noWeights = try assistd(["caption", "--model", tmp.path, try EndToEndImages.url(fixtures, "exif-1").path])
        XCTAssertEqual(noWeights.status, 3)
        XCTAssertTrue(noWeights.stderr.contains("model.safetensors") || noWeights.stderr.contains("pytorch_model.bin"), noWeights.stderr)
    }

    func testHelpDocumentsEveryOption() throws {
        let run = try assistd(["caption", "--help"])
        XCTAssertEqual(run.status, 0)
        for option in ["--model", "--beams", "--max-length", "--max-new-tokens", "--threads", "--json", "exit status"] {
            XCTAssertTrue(run.stdout.contains(option), option)
        }
    }
}

enum EndToEndImages {
    static func url(_ fixtures: URL, _ stem: String) throws -> URL {
        for ext in ["jpg", "png"] {
            let u = fixtures.appendingPathComponent("images/\(stem).\(ext)")
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: stem])
    }
}

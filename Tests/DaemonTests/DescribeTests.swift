import Foundation
import XCTest
import Glibc

/// Photos described end to end with no captioning model installed (a fresh install): the real
/// assistd decodes each photo, checks its quality, reads its text with libtesseract, records the
/// description and speaks it through libespeak-ng into WAV files.
final class DescribeTests: XCTestCase {
    static let analysis = DaemonHarness.fixtures.appendingPathComponent("analysis")
    /// A model directory that never exists, so these tests run without a model even once the
    /// fixture model is merged.
    static let noModel = "/nonexistent/assist-test-model"
    static let darkWarning = "The photo is very dark. Turn on a light and try again."

    func testTextPhotoWithoutAModelIsSpokenAsItsText() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let fixture = try AnalysisFixture.text("text/soup-sans-32.jpg")
        let path = try h.drop("soup.jpg", fixture.data)
        let record = try XCTUnwrap(h.waitForResult(path), h.currentLog)
        XCTAssertEqual(record.state, "done", "a photo with text is described, not failed: \(record.error ?? "")")
        let entry = try XCTUnwrap(DescribedRecord.latest(in: h, path: path))
        let message = entry.message

        // Spoken as its text: "It says: " and exactly the rendered words, nothing before it.
        XCTAssertTrue(message.hasPrefix("It says: "), message)
        XCTAssertEqual(words(String(message.dropFirst("It says: ".count))), fixture.words, message)
        XCTAssertNil(entry.description["caption"], "no model, so no caption")
        XCTAssertTrue((entry.description["caption_problem"] as? String ?? "").contains("No captioning model is installed"))
        let quality = try XCTUnwrap(entry.description["quality"] as? [String: Any])
        XCTAssertEqual((quality["problems"] as? [Any])?.count, 0, "a clean render has no quality problem")
        let text = try XCTUnwrap(entry.description["text"] as? [String: Any])
        XCTAssertEqual(text["language"] as? String, "eng")
        let lines = try XCTUnwrap(text["lines"] as? [[String: Any]])
        XCTAssertEqual(lines.compactMap { $0["text"] as? String }, fixture.lines)
        for line in lines {
            XCTAssertGreaterThanOrEqual(line["confidence"] as? Double ?? 0, 65, "\(line)")
        }

        // The WAV holds exactly this message in the default voice, sample for sample.
        let spoken = try XCTUnwrap(h.waitForUtterance(timeout: 20), "no utterance in \(h.wav); log:\n\(h.currentLog)")
        XCTAssertEqual(spoken.text, message)
        try Self.assertSameSamples(spoken.wav, asEspeakSays: message, in: h.root)
    }

    func testDarkPhotoGetsTheDarkWarningFirst() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let path = try h.drop("dark.jpg", try AnalysisFixture.data("quality/soup-exposurem3_5.jpg"))
        XCTAssertEqual(h.waitForResult(path)?.state, "done", h.currentLog)
        let entry = try XCTUnwrap(DescribedRecord.latest(in: h, path: path))
        XCTAssertTrue(entry.message.hasPrefix(Self.darkWarning), entry.message)
        let quality = try XCTUnwrap(entry.description["quality"] as? [String: Any])
        let problems = try XCTUnwrap(quality["problems"] as? [[String: Any]])
        XCTAssertEqual(problems.first?["kind"] as? String, "dark")
        XCTAssertEqual(quality["warning"] as? String, Self.darkWarning)
        let scores = try XCTUnwrap(quality["scores"] as? [String: Double])
        XCTAssertLessThanOrEqual(try XCTUnwrap(scores["mean_luminance"]), 50)

        let spoken = try XCTUnwrap(h.waitForUtterance(timeout: 20), h.currentLog)
        XCTAssertEqual(spoken.text, entry.message)
        try Self.assertSameSamples(spoken.wav, asEspeakSays: entry.message, in: h.root)
    }

    func testPhotoWithoutTextAndNoModelGetsAPlainSentence() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let path = try h.drop("mug.jpg", try AnalysisFixture.data("notext/mug-on-table.jpg"))
        XCTAssertEqual(h.waitForResult(path)?.state, "done", h.currentLog)
        let entry = try XCTUnwrap(DescribedRecord.latest(in: h, path: path))
        XCTAssertEqual(entry.message, "I could not find text in this photo, and no captioning model is installed.")
        let text = try XCTUnwrap(entry.description["text"] as? [String: Any], "the text was read, and nothing found")
        XCTAssertEqual((text["lines"] as? [Any])?.count, 0)
        let spoken = try XCTUnwrap(h.waitForUtterance(timeout: 20), h.currentLog)
        XCTAssertEqual(spoken.text, entry.message)
        try Self.assertSameSamples(spoken.wav, asEspeakSays: entry.message, in: h.root)
    }

    /// `assist caption --json` shows each part separately; plain `assist caption` prints the
    /// message; `history`, `repeat` and `events` carry the same description.
    func testCaptionJSONShowsSeparateFieldsAndPlainOutputIsTheMessage() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let fixture = try AnalysisFixture.text("text/fridge-serif-24.jpg")
        let image = Self.analysis.appendingPathComponent(fixture.file).path

        let json = try h.client(["--json", "caption", "--no-speak", image])
        XCTAssertEqual(json.status, 0, json.stderr)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(o["type"] as? String, "caption")
        XCTAssertEqual(o["spoken"] as? Bool, false)
        XCTAssertEqual((o["tokens"] as? [Any])?.count, 0)
        let d = try XCTUnwrap(o["description"] as? [String: Any], json.stdout)
        let message = try XCTUnwrap(d["message"] as? String)
        XCTAssertEqual(o["text"] as? String, message, "version 1 `text` is the message")
        XCTAssertEqual(d["verbosity"] as? String, "everything", "the documented default")
        XCTAssertNil(d["caption"])
        let captionProblem = d["caption_problem"] as? String ?? ""
        XCTAssertTrue(captionProblem.contains(Self.noModel) && captionProblem.contains("--model"),
                      "the missing model is explained with how to install one: \(captionProblem)")

        let quality = try XCTUnwrap(d["quality"] as? [String: Any])
        XCTAssertEqual((quality["problems"] as? [Any])?.count, 0)
        XCTAssertNil(quality["warning"])
        let scores = try XCTUnwrap(quality["scores"] as? [String: Double])
        for key in ["mean_luminance", "p5", "p95", "relative_contrast", "laplacian_ratio", "blur_effect", "width", "height"] {
            XCTAssertNotNil(scores[key], "quality score \(key) missing: \(scores.keys.sorted())")
        }
        XCTAssertEqual(scores["width"], 640)

        let text = try XCTUnwrap(d["text"] as? [String: Any])
        XCTAssertEqual(text["language"] as? String, "eng")
        XCTAssertEqual(text["rotation"] as? Int, 0)
        XCTAssertEqual(text["inverted"] as? Bool, false)
        let lines = try XCTUnwrap(text["lines"] as? [[String: Any]])
        XCTAssertEqual(lines.compactMap { $0["text"] as? String }, fixture.lines)
        XCTAssertTrue(lines.allSatisfy { (65...100).contains($0["confidence"] as? Double ?? -1) }, "\(lines)")
        let sentences = fixture.lines.map { $0.last.map { ".!?:;,".contains($0) } == true ? $0 : $0 + "." }
        XCTAssertEqual(message, "It says: " + sentences.joined(separator: " "))

        let timings = try XCTUnwrap(d["timings"] as? [String: Double])
        XCTAssertGreaterThan(try XCTUnwrap(timings["decode"]), 0)
        XCTAssertGreaterThan(try XCTUnwrap(timings["text"]), 0)
        XCTAssertNil(timings["caption"], "no caption was made")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(timings["total"]), try XCTUnwrap(timings["text"]))

        let plain = try h.client(["caption", "--no-speak", image])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(plain.stdout, message + "\n")

        let repeated = try h.client(["repeat"])
        XCTAssertEqual(repeated.stdout, message + "\n")
        let history = try h.client(["--json", "history", "--limit", "1"])
        let entries = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 1)
        XCTAssertEqual(entries.first?["text"] as? String, message)
        XCTAssertEqual((entries.first?["description"] as? [String: Any])?["message"] as? String, message)
        XCTAssertNotNil((entries.first?["description"] as? [String: Any])?["quality"])

        // A listener sees the folder photo described, with the same separate fields.
        let events = try EventListener(harness: h)
        defer { events.stop() }
        let path = try h.drop("fridge.jpg", fixture.data)
        let event = try XCTUnwrap(events.waitFor(timeout: 30) { $0["kind"] as? String == "captioned" && $0["photo"] as? String == "fridge.jpg" },
                                  "no captioned event; seen: \(events.seen)")
        let ed = try XCTUnwrap(event["description"] as? [String: Any])
        XCTAssertEqual(event["text"] as? String, message)
        XCTAssertEqual(ed["message"] as? String, message)
        XCTAssertEqual(((ed["text"] as? [String: Any])?["lines"] as? [[String: Any]])?.compactMap { $0["text"] as? String }, fixture.lines)
        XCTAssertNotNil(h.waitForResult(path))
    }

    /// A language that is not installed: one clear log line at start, a status field, and
    /// photos are still described (without their text).
    func testMissingReadingLanguageIsReportedAndPhotosAreStillDescribed() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel, "ocr_language": "zzz"])
        try h.start()
        let status = try h.client(["--json", "status"])
        let s = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["status"] as? [String: Any])
        let reading = try XCTUnwrap(s["reading"] as? [String: Any])
        XCTAssertEqual(reading["available"] as? Bool, false)
        XCTAssertEqual(reading["language"] as? String, "zzz")
        XCTAssertTrue((reading["problem"] as? String ?? "").contains("'zzz' is not installed"), "\(reading)")
        XCTAssertTrue((reading["problem"] as? String ?? "").contains("tesseract-ocr-zzz"), "\(reading)")
        let plainStatus = try h.client(["status"])
        XCTAssertTrue(plainStatus.stdout.contains("text reading: Text cannot be read"), plainStatus.stdout)

        let path = try h.drop("dark.jpg", try AnalysisFixture.data("quality/soup-exposurem3_5.jpg"))
        XCTAssertEqual(h.waitForResult(path)?.state, "done", h.currentLog)
        let entry = try XCTUnwrap(DescribedRecord.latest(in: h, path: path))
        XCTAssertEqual(entry.message, Self.darkWarning
                       + " No captioning model is installed and text reading is not available, so I cannot describe this photo.")
        XCTAssertNil(entry.description["text"])
        XCTAssertTrue((entry.description["text_problem"] as? String ?? "").contains("zzz"))
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// `verbosity` from the config file applies on SIGHUP: `everything` says that some text was
    /// too unclear, `caption-and-text` does not. A bad value stops the daemon naming the key.
    func testVerbosityIsConfigurableAndReloaded() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        // A render whose reading leaves a word out (docs/analysis.md: the 15-degree tilt).
        let image = Self.analysis.appendingPathComponent("text/tilt-freesans-32-p15.jpg").path
        let everything = try h.client(["caption", "--no-speak", image])
        XCTAssertEqual(everything.status, 0, everything.stderr)
        XCTAssertTrue(everything.stdout.hasPrefix("It says: Chicken noodle soup"), everything.stdout)
        XCTAssertTrue(everything.stdout.hasSuffix(" Some more text was too unclear to read.\n"), everything.stdout)

        var conf = try String(contentsOfFile: h.configPath, encoding: .utf8)
        conf += "verbosity = caption-and-text\n"
        try conf.write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let events = try h.events()
        kill(h.process!.processIdentifier, SIGHUP)
        let reloaded = events.next(.configReloaded, timeout: 10)
        XCTAssertNotNil(reloaded, h.currentLog)
        XCTAssertNil(reloaded?.error)
        let shorter = try h.client(["caption", "--no-speak", image])
        XCTAssertEqual(shorter.stdout, String(everything.stdout.dropLast(" Some more text was too unclear to read.\n".count)) + "\n")
        XCTAssertTrue(try h.client(["status"]).stdout.contains("verbosity: caption-and-text"))
        XCTAssertEqual(h.terminate(), 0)

        let bad = Process()
        bad.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        bad.arguments = ["run", "--config", h.configPath, "--verbosity", "loud"]
        bad.environment = h.environment
        let err = Pipe()
        bad.standardError = err
        try bad.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        bad.waitUntilExit()
        XCTAssertEqual(bad.terminationStatus, 2)
        XCTAssertTrue(message.contains("verbosity") && message.contains("loud") && message.contains("caption-and-text"), message)
    }

    /// Reading upside-down text takes four Tesseract passes; meanwhile the socket answers at once.
    func testSocketAnswersWhilePhotosAreBeingRead() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let data = try AnalysisFixture.data("text/library-serif-30-rot180.jpg")
        let events = try h.events()
        let paths = try (0..<4).map { try h.drop("library-\($0).jpg", data) }
        XCTAssertNotNil(events.next(.photoClaimed, timeout: 10), h.currentLog)
        let asked = Date()
        let status = try h.client(["--json", "status"])
        let took = Date().timeIntervalSince(asked)
        XCTAssertEqual(status.status, 0)
        let s = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["status"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(s["queue_length"] as? Int ?? 0, 2, "the photos were already done; the test proved nothing")
        XCTAssertLessThan(took, 2.0, "status waited for the photos")
        for p in paths {
            XCTAssertEqual(h.waitForResult(p, timeout: 60)?.state, "done", h.currentLog)
        }
        let messages = paths.compactMap { DescribedRecord.latest(in: h, path: $0)?.message }
        XCTAssertEqual(messages, Array(repeating: "It says: Library opening hours. Monday to Friday nine to five.", count: 4))
    }

    // MARK: - Helpers

    func words(_ s: String) -> [String] {
        s.split(whereSeparator: { $0.isWhitespace }).map { $0.trimmingCharacters(in: .punctuationCharacters) }.filter { !$0.isEmpty }
    }

    /// The daemon's WAV equals `espeak-ng -w` for the same text and voice settings (default: rate
    /// 175, pitch 50, volume 100, voice en) sample for sample. Every utterance is synthesized in a
    /// fresh speech-worker process, so this holds for every utterance, not only the first.
    static func assertSameSamples(_ wav: String, asEspeakSays text: String, in directory: String,
                           rate: Int = 175, pitch: Int = 50, volume: Int = 100, voice: String = "en",
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let cliPath = directory + "/cli-\(UUID().uuidString).wav"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/espeak-ng")
        p.arguments = ["-w", cliPath, "-s", "\(rate)", "-p", "\(pitch)", "-a", "\(volume)", "-v", voice, text]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "espeak-ng failed", file: file, line: line)
        let ours = try WavSamples(path: wav)
        let cli = try WavSamples(path: cliPath)
        XCTAssertEqual(ours.sampleRate, 22050, file: file, line: line)
        XCTAssertEqual(ours.channels, 1, file: file, line: line)
        XCTAssertEqual(ours.bitsPerSample, 16, file: file, line: line)
        XCTAssertEqual([cli.sampleRate, UInt32(cli.channels), UInt32(cli.bitsPerSample)], [22050, 1, 16], file: file, line: line)
        XCTAssertGreaterThan(cli.samples.count, 22050, "espeak-ng's rendering is implausibly short", file: file, line: line)
        XCTAssertEqual(ours.samples.count, cli.samples.count, "sample counts differ", file: file, line: line)
        let maxDiff = zip(ours.samples, cli.samples).map { abs(Int($0) - Int($1)) }.max() ?? -1
        XCTAssertEqual(maxDiff, 0, "samples differ from espeak-ng -w for \"\(text)\"", file: file, line: line)
    }
}

/// A photo of Tests/Fixtures/analysis and, for text renders, the lines drawn into it
/// (from its manifest.json).
struct AnalysisFixture {
    var file: String
    var lines: [String]
    var data: Data

    var words: [String] { lines.flatMap { $0.split(separator: " ").map(String.init) } }

    static func data(_ file: String) throws -> Data {
        try Data(contentsOf: DescribeTests.analysis.appendingPathComponent(file))
    }

    static func text(_ file: String) throws -> AnalysisFixture {
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: DescribeTests.analysis.appendingPathComponent("manifest.json")))
        let entries = (manifest as? [String: Any])?["text"] as? [[String: Any]] ?? []
        guard let entry = entries.first(where: { $0["file"] as? String == file }), let lines = entry["lines"] as? [String] else {
            throw NSError(domain: "AnalysisFixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(file) is not a text photo in manifest.json"])
        }
        return AnalysisFixture(file: file, lines: lines, data: try data(file))
    }
}

/// The newest `done` journal line for a photo, with its message and description as JSON.
struct DescribedRecord {
    var message: String
    var description: [String: Any]

    static func latest(in h: DaemonHarness, path: String) -> DescribedRecord? {
        guard let text = try? String(contentsOfFile: h.state + "/journal.jsonl", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n").reversed() {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  (o["photo"] as? [String: Any])?["path"] as? String == path, o["state"] as? String == "done",
                  let message = o["message"] as? String, let d = o["description"] as? [String: Any] else { continue }
            XCTAssertEqual(d["message"] as? String, message, "journal message and description disagree")
            return DescribedRecord(message: message, description: d)
        }
        return nil
    }
}

extension DaemonHarness {
    /// Waits for the first finished utterance of the WAV sink: its `.wav` and the text of the
    /// `.txt` written beside it.
    func waitForUtterance(timeout: Double) -> (wav: String, text: String)? {
        var found: (String, String)?
        wait(timeout: timeout) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: wav)) ?? []).sorted()
            guard let name = names.first(where: { $0.hasSuffix(".wav") }) else { return false }
            let txt = wav + "/" + String(name.dropLast(4)) + ".txt"
            guard let text = try? String(contentsOfFile: txt, encoding: .utf8) else { return false }
            found = (wav + "/" + name, text)
            return true
        }
        return found
    }
}

/// Mono 16-bit PCM samples and the format fields of a RIFF/WAVE file.
struct WavSamples {
    var sampleRate: UInt32 = 0
    var channels: UInt16 = 0
    var bitsPerSample: UInt16 = 0
    var samples: [Int16] = []   // (N,)

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(data[at + $1]) << (8 * $1) } }
        func u16(_ at: Int) -> UInt16 { UInt16(data[at]) | UInt16(data[at + 1]) << 8 }
        func tag(_ at: Int) -> String { String(decoding: data[at..<at + 4], as: UTF8.self) }
        guard data.count >= 44, tag(0) == "RIFF", tag(8) == "WAVE" else {
            throw NSError(domain: "WavSamples", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(path) is not a RIFF/WAVE file"])
        }
        var offset = 12
        while offset + 8 <= data.count {
            let size = Int(u32(offset + 4))
            let body = offset + 8
            if tag(offset) == "fmt " {
                channels = u16(body + 2); sampleRate = u32(body + 4); bitsPerSample = u16(body + 14)
            } else if tag(offset) == "data" {
                let end = min(body + size, data.count)
                samples = stride(from: body, to: end - 1, by: 2).map { Int16(bitPattern: u16($0)) }
            }
            offset = body + size + (size & 1)
        }
    }
}

/// `assist --json events` running in the background, collecting event objects.
final class EventListener: @unchecked Sendable {
    private let process = Process()
    /// Guards everything below.
    private let condition = NSCondition()
    private var events: [[String: Any]] = []
    private var buffer = Data()
    private var subscribed = false

    var seen: [[String: Any]] { condition.withLock { events } }

    init(harness h: DaemonHarness) throws {
        process.executableURL = URL(fileURLWithPath: DaemonHarness.assist)
        process.arguments = ["--socket", h.socket, "--json", "events"]
        process.environment = h.environment
        let out = Pipe()
        process.standardOutput = out
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.received(handle.availableData)
        }
        try process.run()
        let ok = condition.withLock { () -> Bool in
            let deadline = Date().addingTimeInterval(10)
            while !subscribed && condition.wait(until: deadline) {}
            return subscribed
        }
        guard ok else {
            stop()
            throw NSError(domain: "EventListener", code: 1, userInfo: [NSLocalizedDescriptionKey: "assist events did not subscribe"])
        }
    }

    private func received(_ chunk: Data) {
        condition.withLock {
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[buffer.startIndex..<nl])
                buffer = Data(buffer[(nl + 1)...])
                guard let o = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                if o["type"] as? String == "events" {
                    subscribed = true
                    condition.broadcast()
                } else if let e = o["event"] as? [String: Any] {
                    events.append(e)
                }
            }
        }
    }

    func waitFor(timeout: Double, _ match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let e = seen.first(where: match) { return e }
            usleep(20_000)
        }
        return seen.first(where: match)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }
}

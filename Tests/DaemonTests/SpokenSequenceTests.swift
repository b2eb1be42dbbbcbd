import Foundation
import XCTest

/// Every utterance of a long-running daemon, not only its first, is the speech `espeak-ng -w`
/// makes for the same text and voice (each is synthesized in a fresh speech-worker process).
final class SpokenSequenceTests: XCTestCase {
    func testEveryUtteranceInARowEqualsEspeakCLI() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "ocr_language": "none"])
        try h.start()
        let steps: [(text: String, voice: [String], settings: (Int, Int, Int, String))] = [
            ("The kettle is on the left of the stove.", [], (175, 50, 100, "en")),
            ("It says: Best before 12 March 2027. Price 3.49.", [], (175, 50, 100, "en")),
            ("Slower and lower now.", ["--rate", "130", "--pitch", "30", "--volume", "80"], (130, 30, 80, "en")),
            ("Der Bus kommt um halb neun.", ["--voice", "de", "--rate", "160"], (160, 30, 80, "de")),
            ("Back to English, a little faster.", ["--voice", "en", "--rate", "220", "--pitch", "60", "--volume", "120"],
             (220, 60, 120, "en")),
        ]
        var seen = Set<String>()
        for (i, step) in steps.enumerated() {
            if !step.voice.isEmpty {
                let r = try h.client(["voice"] + step.voice)
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            let said = try h.client(["say", step.text])
            XCTAssertEqual(said.status, 0, said.stderr)
            var utterance: (wav: String, text: String)?
            _ = h.wait(timeout: 20) {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []).sorted()
                guard let name = names.first(where: { $0.hasSuffix(".wav") && !seen.contains($0) }),
                      let text = try? String(contentsOfFile: h.wav + "/" + name.dropLast(4) + ".txt", encoding: .utf8)
                else { return false }
                utterance = (h.wav + "/" + name, text)
                seen.insert(name)
                return true
            }
            let u = try XCTUnwrap(utterance, "utterance \(i + 1) was not written; log:\n\(h.currentLog)")
            XCTAssertEqual(u.text, step.text)
            let (rate, pitch, volume, voice) = step.settings
            try DescribeTests.assertSameSamples(u.wav, asEspeakSays: step.text, in: h.root,
                                                  rate: rate, pitch: pitch, volume: volume, voice: voice)
        }
        XCTAssertEqual(seen.count, steps.count)
        XCTAssertEqual(h.terminate(), 0)
    }
}

import Foundation
import IPC
import XCTest

/// The reading controls through the built daemon and client, with the WAV sink paced in real
/// time (`wav_real_time`), so that a pause lands in the middle of a description as it would on
/// a speaker. The description is the daemon's own: Tesseract reads Tests/Fixtures/reading/
/// letter.png (four sentences; scripts/make_reading_fixtures.py). Every wait is on an event.
final class ReadingControlTests: XCTestCase {
    static let letter = DaemonHarness.fixtures.appendingPathComponent("reading/letter.png").path
    static let sentences = ["Your appointment is on Monday.", "Please arrive ten minutes early.",
                            "Bring your insurance card.", "Call us if you cannot come."]

    func reading(_ r: DaemonHarness.ClientResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout, file: file, line: line)
        return try XCTUnwrap(o["reading"] as? [String: Any], r.stdout, file: file, line: line)
    }

    /// The WAV sink's record of what an utterance said (the `.txt` beside its WAV).
    func wavText(_ h: DaemonHarness, utterance: Int) -> String? {
        let suffix = String(format: "-%08d.txt", utterance)
        guard let name = (try? FileManager.default.contentsOfDirectory(atPath: h.wav))?.first(where: { $0.hasSuffix(suffix) }) else { return nil }
        return try? String(contentsOfFile: h.wav + "/" + name, encoding: .utf8)
    }

    func testNeedsSpeech_PauseResumeMoveAndSpellALetterBeingRead() throws {
        let h = try DaemonHarness(config: ["wav_real_time": "true"])
        try h.start()
        let events = try h.events()
        let caption = try h.client(["--json", "caption", Self.letter])
        XCTAssertEqual(caption.status, 0, caption.stderr)
        let described = try XCTUnwrap(events.next(.captioned, timeout: 60), h.currentLog)
        let message = try XCTUnwrap(described.text)
        for s in Self.sentences { XCTAssertTrue(message.contains(s), "Tesseract did not read \"\(s)\": \(message)") }
        // The quality warning and the caption, when there are, are paragraphs of their own
        // before the text read.
        let parts = [described.description?.quality?.warning, described.description?.caption?.text]
            .compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
        let first = try XCTUnwrap(events.next(.readingSentence, timeout: 20), "reading never began; log:\n\(h.currentLog)")
        let utterance = try XCTUnwrap(first.utterance)
        XCTAssertEqual(first.sentence, 0)
        XCTAssertTrue(message.hasPrefix(try XCTUnwrap(first.text)), "reading began with \(first.text ?? "nothing")")

        // Pause while "Please arrive ten minutes early." is being heard.
        let arrive = try XCTUnwrap(events.next(.readingSentence, timeout: 30) { $0.text == Self.sentences[1] },
                                   "the second sentence of the letter was never heard; log:\n\(h.currentLog)")
        let k = try XCTUnwrap(arrive.sentence)
        let paused = try reading(try h.client(["--json", "pause"]))
        XCTAssertEqual(paused["sentence"] as? Int, k, "paused in another sentence than the one heard")
        XCTAssertNotNil(events.any(.speechStopped, timeout: 5) { $0.utterance == utterance }, "pause did not silence the letter")
        XCTAssertFalse(events.all(.spoken).contains { $0.utterance == utterance }, "the letter was read to the end despite the pause")

        // Spell: the last word heard, from the paused sentence, letter by letter.
        let spell = try reading(try h.client(["--json", "spell"]))
        let word = try XCTUnwrap(spell["word"] as? String)
        XCTAssertTrue(Self.sentences[1].split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }.contains(word),
                      "spelled \"\(word)\", which is not in \"\(Self.sentences[1])\"")
        let letters = word.map { $0.isUppercase ? "capital \($0.lowercased())" : String($0) }.joined(separator: ", ")
        XCTAssertEqual(spell["text"] as? String, "\(word): \(letters).")
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == "\(word): \(letters)." }, "the spelling was not spoken")

        // Resume: a new utterance that starts at the sentence where it paused.
        let resumed = try reading(try h.client(["--json", "resume"]))
        let rest = Self.sentences[1...].joined(separator: " ")
        XCTAssertEqual(resumed["sentence"] as? Int, k)
        XCTAssertEqual(resumed["text"] as? String, rest)
        let again = try XCTUnwrap(resumed["utterance"] as? Int)
        let start = try XCTUnwrap(events.next(.readingSentence, timeout: 20) { $0.utterance == UInt64(again) })
        XCTAssertEqual(start.sentence, k)
        XCTAssertEqual(start.text, Self.sentences[1], "the resumed utterance began elsewhere")
        XCTAssertEqual(events.any(.speechQueued) { $0.utterance == UInt64(again) }?.text, rest)

        // Next and previous sentence.
        let next = try reading(try h.client(["--json", "next"]))
        XCTAssertEqual(next["sentence"] as? Int, k + 1)
        XCTAssertEqual(next["text"] as? String, Self.sentences[2...].joined(separator: " "))
        let nextID = try XCTUnwrap(next["utterance"] as? Int)
        XCTAssertEqual(events.next(.readingSentence, timeout: 20) { $0.utterance == UInt64(nextID) }?.text, Self.sentences[2])
        XCTAssertNotNil(events.any(.speechStopped, timeout: 5) { $0.utterance == UInt64(again) }, "next did not cut the resumed reading")
        let previous = try reading(try h.client(["--json", "previous"]))
        XCTAssertEqual(previous["sentence"] as? Int, k)
        let previousID = try XCTUnwrap(previous["utterance"] as? Int)
        XCTAssertEqual(events.next(.readingSentence, timeout: 20) { $0.utterance == UInt64(previousID) }?.text, Self.sentences[1])

        // Paragraphs: the text read is one paragraph (after the warning's and caption's). Previous
        // paragraph from inside it goes to its start; next paragraph from there is the edge.
        let textStart = k - 1
        let up = try reading(try h.client(["--json", "previous", "--paragraph"]))
        XCTAssertEqual(up["sentence"] as? Int, textStart)
        XCTAssertEqual(up["paragraph"] as? Int, parts.count)
        XCTAssertEqual((up["text"] as? String)?.hasPrefix("It says: " + Self.sentences[0]), true, "\(up)")
        let upID = try XCTUnwrap(up["utterance"] as? Int)
        XCTAssertNotNil(events.next(.readingSentence, timeout: 20) { $0.utterance == UInt64(upID) && $0.sentence == textStart })
        let edge = try h.client(["--json", "next", "--paragraph"])
        XCTAssertEqual(edge.status, 1, edge.stdout)
        XCTAssertTrue(edge.stdout.contains("\"nothing_to_read\""), edge.stdout)
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == "That was the last paragraph." })

        let last = try reading(try h.client(["--json", "resume"]))
        XCTAssertEqual(last["sentence"] as? Int, textStart)
        if !parts.isEmpty {
            // From the first sentence of the text, previous paragraph is the part before it
            // (the caption's, or the warning's), and next paragraph comes back.
            let back = try reading(try h.client(["--json", "previous", "--paragraph"]))
            XCTAssertEqual(back["paragraph"] as? Int, parts.count - 1)
            XCTAssertEqual((back["text"] as? String)?.hasPrefix(try XCTUnwrap(parts.last)), true, "\(back)")
            let forth = try reading(try h.client(["--json", "next", "--paragraph"]))
            XCTAssertEqual(forth["sentence"] as? Int, textStart)
            XCTAssertEqual(forth["paragraph"] as? Int, parts.count)
        }

        // To the last sentence; one more is the end.
        for n in 1...3 {
            let step = try reading(try h.client(["--json", "next"]))
            XCTAssertEqual(step["sentence"] as? Int, textStart + n)
        }
        let lastID = try XCTUnwrap(events.any(.speechQueued) { $0.text == Self.sentences[3] }?.utterance)
        XCTAssertNotNil(events.next(.readingSentence, timeout: 20) { $0.utterance == lastID && $0.text == Self.sentences[3] })
        let end = try h.client(["next"])
        XCTAssertEqual(end.status, 1)
        XCTAssertEqual(end.stderr, "That was the last sentence.\n")
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == "That was the last sentence." })
        XCTAssertEqual(wavText(h, utterance: again), rest, "the WAV sink recorded another text for the resumed utterance")
    }

    func testNeedsSpeech_ControlsWithNothingReadSaySo() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()
        for (command, sentence) in [(["pause"], "Nothing is being read."), (["resume"], "Nothing to resume."),
                                    (["next"], "Nothing is being read."), (["previous", "--paragraph"], "Nothing is being read."),
                                    (["spell"], "Nothing is being read.")] {
            let r = try h.client(command)
            XCTAssertEqual(r.status, 1, "\(command)")
            XCTAssertEqual(r.stderr, sentence + "\n", "\(command)")
            XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == sentence }, "\(command): \"\(sentence)\" was not said")
        }
        let usage = try h.client(["pause", "--paragraph"])
        XCTAssertEqual(usage.status, 2)
        XCTAssertTrue(usage.stderr.contains("--paragraph goes with next or previous"), usage.stderr)
    }
}

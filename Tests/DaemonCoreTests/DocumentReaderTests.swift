import Foundation
import IPC
import Messages
import Speech
import SystemSupport
import XCTest
@testable import AssistDaemon

/// The reading cursor of `DocumentReader` over a recording speech output: paragraphs from blank
/// lines and from a description's parts, moves and their edges, words heard moving the cursor,
/// spelling in the catalogue's language. (ReadingControlTests drives the same through the real
/// daemon, speaker and libespeak-ng's word events.)
final class DocumentReaderTests: XCTestCase {
    var speech: RecordingSpeech!
    var reader: DocumentReader!

    override func setUp() {
        let box = Locked<RecordingSpeech?>(nil)
        let narrator = Narrator(sinkName: "recording", events: EventHub()) { onEvent in
            let s = RecordingSpeech(onEvent: onEvent)
            box.withLock { $0 = s }
            return s
        }
        speech = box.withLock { $0 }
        reader = DocumentReader(narrator: narrator, events: EventHub(), language: .english)
    }

    var lastSaid: String? { speech.utterances.last?.text }
    var lastID: UInt64 { speech.utterances.last?.id ?? 0 }

    /// Says that `word` (its first occurrence) of the last caption utterance is heard.
    func hear(_ word: String) throws {
        let reading = try XCTUnwrap(speech.utterances.last { $0.kind == .caption })
        let range = try XCTUnwrap(reading.text.range(of: word))
        let position = reading.text.unicodeScalars.distance(from: reading.text.unicodeScalars.startIndex, to: range.lowerBound)
        speech.deliver(.word(id: reading.id, position: position, length: word.unicodeScalars.count))
    }

    func testParagraphsSentencesAndTheirEdges() throws {
        let text = "First paragraph here. It has two sentences.\n\nSecond paragraph. Also two.\n\nThird one."
        reader.read(text)
        XCTAssertEqual(lastSaid, text)
        XCTAssertEqual(speech.utterances.last?.kind, .caption)

        let next = try reader.nextParagraph().get()
        XCTAssertEqual([next.sentence, next.paragraph, next.sentences], [2, 1, 5])
        XCTAssertEqual(lastSaid, "Second paragraph. Also two.\n\nThird one.")
        try hear("Also")
        // Inside the second paragraph: back to its start, then to the first, then the edge.
        XCTAssertEqual(try reader.previousParagraph().get().sentence, 2)
        XCTAssertEqual(try reader.previousParagraph().get().sentence, 0)
        XCTAssertEqual(reader.previousParagraph(), .failure(RemoteError(.nothingToRead, "That was the first paragraph.")))
        XCTAssertEqual(lastSaid, "That was the first paragraph.")
        XCTAssertEqual(reader.previousSentence(), .failure(RemoteError(.nothingToRead, "That was the first sentence.")))

        // The edge paused the reading: resume starts again at the sentence it was in.
        let resumed = try reader.resume().get()
        XCTAssertEqual(resumed.sentence, 0)
        XCTAssertEqual(lastSaid, text)
        try hear("Third")
        XCTAssertEqual(reader.nextSentence(), .failure(RemoteError(.nothingToRead, "That was the last sentence.")))
        XCTAssertEqual(reader.nextParagraph(), .failure(RemoteError(.nothingToRead, "That was the last paragraph.")))
        XCTAssertEqual(try reader.previousSentence().get().text, "Also two.\n\nThird one.")

        // Heard to the end: nothing to resume or pause, but moving back still works.
        speech.deliver(.finished(id: lastID, file: nil))
        XCTAssertEqual(reader.resume(), .failure(RemoteError(.nothingToRead, "Nothing to resume.")))
        XCTAssertEqual(reader.pause(), .failure(RemoteError(.nothingToRead, "Nothing is being read.")))
        XCTAssertEqual(try reader.previousSentence().get().sentence, 2)
        // Pause, then the toggle resumes and pauses again.
        XCTAssertEqual(try reader.togglePause().get().command, .pause)
        XCTAssertEqual(try reader.togglePause().get().command, .resume)
        XCTAssertEqual(lastSaid, "Second paragraph. Also two.\n\nThird one.")
        XCTAssertEqual(try reader.togglePause().get().command, .pause)
    }

    func testSpellTheLastWordHeardInTheCatalogueLanguage() throws {
        XCTAssertEqual(reader.spell(), .failure(RemoteError(.nothingToRead, "Nothing is being read.")))
        reader.read("Iß Jürgen's Äpfel. Then rest.")
        XCTAssertEqual(reader.spell(), .failure(RemoteError(.nothingToRead, "No word has been read yet.")))
        try hear("Jürgen's")
        let spelled = try reader.spell().get()
        XCTAssertEqual(spelled.word, "Jürgen's")
        XCTAssertEqual(spelled.text, "Jürgen's: capital j, ü, r, g, e, n, ', s.")
        XCTAssertEqual(lastSaid, spelled.text)
        XCTAssertEqual(speech.utterances.last?.kind, .message)
        // Spelling paused the reading; resume goes on at the sentence.
        XCTAssertEqual(try reader.resume().get().text, "Iß Jürgen's Äpfel. Then rest.")
        try hear("Äpfel")
        reader.update(language: .german)
        XCTAssertEqual(try reader.spell().get().text, "Äpfel: groß ä, p, f, e, l.")
        XCTAssertEqual(reader.nextParagraph(), .failure(RemoteError(.nothingToRead, "Das war der letzte Absatz.")))
    }

    /// A description's parts are its paragraphs; the message is spoken exactly as it is.
    func testDescriptionPartsAreParagraphs() throws {
        let warning = "The photo is dark. Turn on a light or move to a window."
        let message = warning + " A cup of tea on a table. It says: Earl Grey. Fifty bags."
        let d = DescriptionInfo(message: message, verbosity: .everything,
                                quality: QualityInfo(problems: [QualityProblemInfo(kind: .dark, advice: warning)], warning: warning, scores: [:]),
                                text: nil, caption: CaptionInfo(text: "a cup of tea on a table", tokens: [], timings: Timings(decode: 0, encode: 0, generate: 0)),
                                timings: DescriptionTimings(decode: 0, quality: nil, text: nil, caption: nil, total: 0))
        // The caption is found whatever its case (the message may capitalise it).
        reader.read(description: d)
        XCTAssertEqual(lastSaid, message)
        XCTAssertEqual(try reader.nextParagraph().get().sentence, 2)
        let text = try reader.nextParagraph().get()
        XCTAssertEqual([text.sentence, text.paragraph, text.sentences], [3, 2, 5])
        XCTAssertEqual(text.text, "It says: Earl Grey. Fifty bags.")
    }
}

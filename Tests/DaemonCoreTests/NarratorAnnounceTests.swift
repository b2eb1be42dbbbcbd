import Foundation
import Messages
import Speech
import XCTest
@testable import AssistDaemon

/// `Narrator.announce`: the `announce` level filters the daemon's own sentences, an utterance
/// with an error in it is queued as an error (never superseded by a caption), and the words
/// follow `language`.
final class NarratorAnnounceTests: XCTestCase {
    private func narrator() -> (Narrator, SpeechBox) {
        let box = SpeechBox()
        let n = Narrator(sinkName: "recording", events: EventHub()) { onEvent in
            let s = RecordingSpeech(onEvent: onEvent)
            box.speech = s
            return s
        }
        return (n, box)
    }

    func testLevelsFilterAndErrorsAreErrorUtterances() throws {
        let (n, box) = narrator()
        let startup: [Message] = [.ready, .captionsOffNoModel, .reading(languages: "eng")]
        XCTAssertNotNil(n.announce(startup))
        n.configure(language: .english, announce: .errors)
        XCTAssertNotNil(n.announce(startup))
        XCTAssertNil(n.announce([.ready, .captionsOn]), "nothing of it is an error")
        n.configure(language: .english, announce: .none)
        XCTAssertNil(n.announce(startup))
        XCTAssertNil(n.announce([.stopping]))
        let said = try XCTUnwrap(box.speech).utterances
        XCTAssertEqual(said.map(\.text), [
            "Ready. Captions off: no captioning model is installed. To add one, run assist model install. Reading English.",
            "Captions off: no captioning model is installed. To add one, run assist model install.",
        ])
        XCTAssertEqual(said.map(\.kind), [.error, .error])
    }

    func testAllGoodIsAMessageAndGermanWordsFollowLanguage() throws {
        let (n, box) = narrator()
        n.configure(language: .german, announce: .all)
        XCTAssertEqual(n.text(.photoUnreadable(photo: "a.jpg")), "Ich konnte das Foto a.jpg nicht lesen.")
        XCTAssertNotNil(n.announce([.ready, .captionsOn, .reading(languages: "deu")]))
        let said = try XCTUnwrap(box.speech).utterances
        XCTAssertEqual(said.map(\.text), ["Bereit. Bildbeschreibung an. Texterkennung: Deutsch."])
        XCTAssertEqual(said.map(\.kind), [.message])
    }
}

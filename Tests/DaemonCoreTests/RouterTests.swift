import Foundation
import IPC
import XCTest
@testable import AssistDaemon

/// Requests answered by the router in-process: repeat and history follow what the pipeline
/// described; say goes to speech with its utterance id; events are acknowledged.
final class RouterTests: XCTestCase {
    func testRepeatAndHistoryFollowTheDescriptions() throws {
        let h = try CoreHarness()
        guard case .failure(let none)? = h.ask(.repeatLast) else { return XCTFail("repeat before any photo was answered") }
        XCTAssertEqual(none.code, .nothingToRepeat)
        h.startWorker()
        h.captioner.release()
        h.found(try h.drop("shelf.jpg", try CoreHarness.photo))
        let message = try XCTUnwrap(h.recorder.next(.captioned)?.text)
        XCTAssertEqual(h.recorder.next(.speechQueued)?.text, message)
        guard case .repeated(let text)? = h.ask(.repeatLast) else { return XCTFail("no repeat") }
        XCTAssertEqual(text, message)
        XCTAssertEqual(h.speech.utterances.map(\.text), [message, message])
        guard case .history(let entries)? = h.ask(.history(limit: 5)) else { return XCTFail("no history") }
        XCTAssertEqual(entries.map(\.photo), ["shelf.jpg"])
        guard case .failure(let negative)? = h.ask(.history(limit: -1)) else { return XCTFail("negative limit accepted") }
        XCTAssertEqual(negative.code, .badRequest)
        _ = h.stopWorker()
    }

    func testSayQueuesSpeechAndEventsAreAcknowledged() throws {
        let h = try CoreHarness()
        guard case .said(let id)? = h.ask(.say(text: "  hello there \n")) else { return XCTFail("say not answered") }
        XCTAssertEqual(h.speech.utterances, [RecordingSpeech.Utterance(id: id, text: "hello there", kind: .message)])
        XCTAssertEqual(h.recorder.next(.speechQueued)?.utterance, id)
        guard case .failure(let empty)? = h.ask(.say(text: "   ")) else { return XCTFail("empty say accepted") }
        XCTAssertEqual(empty.code, .badRequest)
        XCTAssertEqual(h.ask(.events), .subscribed)
        guard case .status(let s)? = h.ask(.status) else { return XCTFail("no status") }
        XCTAssertEqual(s.protocolVersion, 2)
        XCTAssertEqual(s.model.state, .loaded)
        XCTAssertEqual(s.watching, [h.inbox])
    }
}

import XCTest
import Glibc
@testable import IPC

final class MessageTests: XCTestCase {
    private func roundTrip(_ r: Request) throws -> Request {
        try Wire.decodeRequest(Wire.frame(r)).get()
    }

    func testEveryRequestRoundTrips() throws {
        let requests: [Request] = [
            Request(id: 1, .caption(CaptionRequest(photo: .descriptor, name: "kitchen.jpg", speak: false, numBeams: 3))),
            Request(id: 2, .caption(CaptionRequest(photo: .bytes))),
            Request(id: 3, .status), Request(id: 4, .say(text: "héllo \"you\"")), Request(id: 5, .stop),
            Request(id: 6, .repeatLast), Request(id: 7, .history(limit: 3)),
            Request(id: 8, .voice(VoiceChange(rate: 200, language: "de"))), Request(id: 9, .events),
            Request(id: 10, .reloadModel),
        ]
        for r in requests { XCTAssertEqual(try roundTrip(r), r) }
    }

    func testWireFormatHasVersionIdAndType() throws {
        let json = try JSONSerialization.jsonObject(with: Wire.frame(Request(id: 42, .say(text: "hi"))).json) as! [String: Any]
        XCTAssertEqual(json["v"] as? Int, 1)
        XCTAssertEqual(json["id"] as? Int, 42)
        XCTAssertEqual(json["type"] as? String, "say")
        XCTAssertEqual(json["text"] as? String, "hi")
    }

    func testSpeakDefaultsToTrue() throws {
        let f = Frame(json: Data(#"{"v":1,"id":3,"type":"caption","photo":"bytes"}"#.utf8))
        guard case .caption(let c) = try Wire.decodeRequest(f).get().body else { return XCTFail() }
        XCTAssertTrue(c.speak)
    }

    func testWrongVersionNamesBothVersions() {
        let f = Frame(json: Data(#"{"v":7,"id":3,"type":"status"}"#.utf8))
        guard case .failure(let e) = Wire.decodeRequest(f) else { return XCTFail("accepted v7") }
        XCTAssertEqual(e.id, 3)
        XCTAssertEqual(e.error.code, .unsupportedVersion)
        XCTAssertTrue(e.error.message.contains("7") && e.error.message.contains("1"), e.error.message)
    }

    func testMalformedRequestsGetBadRequestNamingTheProblem() {
        let cases: [(String, String)] = [
            ("not json", "JSON"),
            (#"{"id":1,"type":"status"}"#, "'v'"),
            (#"{"v":1,"id":2,"type":"dance"}"#, "dance"),
            (#"{"v":1,"id":3,"type":"say"}"#, "text"),
            (#"{"v":1,"id":4,"type":"history","limit":"ten"}"#, "limit"),
            (#"{"v":1,"id":5,"type":"caption","photo":"url"}"#, "photo"),
        ]
        for (text, mention) in cases {
            guard case .failure(let e) = Wire.decodeRequest(Frame(json: Data(text.utf8))) else {
                XCTFail("accepted \(text)"); continue
            }
            XCTAssertEqual(e.error.code, e.error.code == .unsupportedVersion ? .unsupportedVersion : .badRequest)
            XCTAssertTrue(e.error.message.contains(mention), "\(text): \(e.error.message)")
        }
    }

    func testResponsesRoundTrip() throws {
        let status = StatusInfo(version: "0.1", protocolVersion: 1, uptimeSeconds: 3.5,
            model: ModelStatus(loaded: false, path: "/m", problem: "no config.json"), queueLength: 2,
            speech: SpeechStatus(sink: "none", ok: true, detail: nil, queueLength: 0),
            voice: VoiceInfo(rate: 175, pitch: 50, volume: 100, voice: "en"), watching: ["/in"])
        let responses: [Response] = [
            Response(id: 1, .caption(CaptionResult(text: "a dog", tokens: [50256, 64, 3290], timings: Timings(decode: 1, encode: 2, generate: 3), spoken: true))),
            Response(id: 2, .status(status)), Response(id: 3, .said(utterance: 9)), Response(id: 4, .stopped),
            Response(id: 5, .repeated(text: "a dog")),
            Response(id: 6, .history([HistoryEntry(time: 1, photo: "a.jpg", text: "a dog")])),
            Response(id: 7, .voice(VoiceInfo(rate: 1, pitch: 2, volume: 3, voice: "de"))),
            Response(id: 8, .subscribed),
            Response(id: 10, .modelReload(ModelStatus(loaded: true, path: "/m/current", problem: nil, state: "loading",
                name: "owner--vit", repo: "owner/vit", commit: "abc123", modelsDirectory: "/m", source: "models_dir",
                loadingPath: "/m/owner--vit"))),
            Response(id: 0, .event(Event(kind: .failed, time: 5, photo: "x.jpg", error: "bad"))),
            Response(id: 9, .failure(RemoteError(.busy, "the queue is full"))),
        ]
        for r in responses { XCTAssertEqual(try Wire.decodeResponse(Wire.frame(r)), r) }
    }

    func testErrorResponseWireFormat() throws {
        let json = try JSONSerialization.jsonObject(with: Wire.frame(Response(id: 4, .failure(RemoteError(.noModel, "install one")))).json) as! [String: Any]
        XCTAssertEqual(json["ok"] as? Bool, false)
        let e = json["error"] as! [String: Any]
        XCTAssertEqual(e["code"] as? String, "no_model")
        XCTAssertEqual(e["message"] as? String, "install one")
    }
}

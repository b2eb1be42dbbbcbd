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
        XCTAssertEqual(json["v"] as? Int, 2)
        XCTAssertEqual(json["id"] as? Int, 42)
        XCTAssertEqual(json["type"] as? String, "say")
        XCTAssertEqual(json["text"] as? String, "hi")
    }

    func testSpeakDefaultsToTrue() throws {
        let f = Frame(json: Data(#"{"v":2,"id":3,"type":"caption","photo":"bytes"}"#.utf8))
        guard case .caption(let c) = try Wire.decodeRequest(f).get().body else { return XCTFail() }
        XCTAssertTrue(c.speak)
    }

    func testWrongVersionNamesBothVersions() {
        let f = Frame(json: Data(#"{"v":7,"id":3,"type":"status"}"#.utf8))
        guard case .failure(let e) = Wire.decodeRequest(f) else { return XCTFail("accepted v7") }
        XCTAssertEqual(e.id, 3)
        XCTAssertEqual(e.error.code, .unsupportedVersion)
        XCTAssertTrue(e.error.message.contains("7") && e.error.message.contains("2"), e.error.message)
    }

    /// A version 1 client (the protocol before snake_case responses) is told plainly.
    func testVersion1RequestGetsUnsupportedVersion() {
        let f = Frame(json: Data(#"{"v":1,"id":4,"type":"status"}"#.utf8))
        guard case .failure(let e) = Wire.decodeRequest(f) else { return XCTFail("accepted v1") }
        XCTAssertEqual(e.id, 4)
        XCTAssertEqual(e.error.code, .unsupportedVersion)
        XCTAssertEqual(e.error.message, "request uses protocol version 1; this daemon speaks version 2")
        let reply = Wire.frame(Response(id: e.id, .failure(e.error)))
        let json = try? JSONSerialization.jsonObject(with: reply.json) as? [String: Any]
        XCTAssertEqual((json?["error"] as? [String: Any])?["code"] as? String, "unsupported_version")
    }

    /// Every key of every message is snake_case, and enums travel as their snake_case names.
    func testVersion2IsSnakeCaseThroughout() throws {
        let d = DescriptionInfo(message: "Too dark. A cup.", verbosity: .captionAndText,
            quality: QualityInfo(problems: [QualityProblemInfo(kind: .lowContrast, advice: "Too dark.")], warning: "Too dark.",
                                 scores: ["mean_luminance": 10]),
            text: TextInfo(lines: [TextLineInfo(text: "MILK", confidence: 90)], language: "eng", rotation: 0, inverted: false, droppedWords: 1),
            caption: CaptionInfo(text: "a cup", tokens: [1, 2], timings: Timings(decode: 1, encode: 2, generate: 3)),
            captionProblem: nil, textProblem: "x", timings: DescriptionTimings(decode: 1, quality: 2, text: 3, caption: 4, total: 5))
        let status = StatusInfo(version: "0.1", protocolVersion: 2, uptimeSeconds: 1,
            model: ModelStatus(loaded: true, path: "/m", problem: nil, state: .loading, modelsDirectory: "/m", source: .selection,
                               loadingPath: "/m/new"),
            queueLength: 1, speech: SpeechStatus(sink: "none", ok: true, detail: nil, queueLength: 0),
            voice: VoiceInfo(rate: 1, pitch: 2, volume: 3, voice: "en"), watching: [],
            reading: ReadingStatus(available: true, language: "eng", problem: nil), verbosity: .captionAndText, journalProblem: "full")
        let frames = [Wire.frame(Response(id: 1, .status(status))),
                      Wire.frame(Response(id: 2, .caption(CaptionResult(text: "t", tokens: [], timings: Timings(decode: 0, encode: 0, generate: 0),
                                                                        spoken: true, description: d)))),
                      Wire.frame(Response(id: 0, .event(Event(kind: .speechQueued, time: 1, utterance: 3, utteranceKind: .caption))))]
        var keys: [String] = []
        func walk(_ v: Any, scores: Bool = false) {
            if let o = v as? [String: Any] {
                for (k, x) in o { if !scores { keys.append(k) }; walk(x) }
            } else if let a = v as? [Any] { a.forEach { walk($0) } }
        }
        let text = frames.map { String(decoding: $0.json, as: UTF8.self) }.joined()
        for f in frames { walk(try JSONSerialization.jsonObject(with: f.json)) }
        for k in keys { XCTAssertEqual(k, k.lowercased(), "key \(k) is not snake_case") }
        for needle in ["protocol_version", "queue_length", "loading_path", "models_directory", "journal_problem", "dropped_words",
                       "text_problem", "utterance_kind", "\"low_contrast\"", "\"caption_and_text\"", "\"loading\"", "\"speech_queued\""] {
            XCTAssertTrue(text.contains(needle), "\(needle) missing from \(text)")
        }
    }

    func testMalformedRequestsGetBadRequestNamingTheProblem() {
        let cases: [(String, String)] = [
            ("not json", "JSON"),
            (#"{"id":1,"type":"status"}"#, "'v'"),
            (#"{"v":2,"id":2,"type":"dance"}"#, "dance"),
            (#"{"v":2,"id":3,"type":"say"}"#, "text"),
            (#"{"v":2,"id":4,"type":"history","limit":"ten"}"#, "limit"),
            (#"{"v":2,"id":5,"type":"caption","photo":"url"}"#, "photo"),
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
        let status = StatusInfo(version: "0.1", protocolVersion: 2, uptimeSeconds: 3.5,
            model: ModelStatus(loaded: false, path: "/m", problem: "no config.json", state: .missing, modelsDirectory: "/m", source: .config),
            queueLength: 2, speech: SpeechStatus(sink: "none", ok: true, detail: nil, queueLength: 0),
            voice: VoiceInfo(rate: 175, pitch: 50, volume: 100, voice: "en"), watching: ["/in"],
            reading: ReadingStatus(available: false, language: "none", problem: "off"), verbosity: .everything)
        let description = DescriptionInfo(message: "a dog", verbosity: .caption, quality: nil, text: nil,
            caption: CaptionInfo(text: "a dog", tokens: [50256, 64, 3290], timings: Timings(decode: 1, encode: 2, generate: 3)),
            timings: DescriptionTimings(decode: 1, quality: nil, text: nil, caption: 6, total: 7))
        let responses: [Response] = [
            Response(id: 1, .caption(CaptionResult(text: "a dog", tokens: [50256, 64, 3290], timings: Timings(decode: 1, encode: 2, generate: 3), spoken: true,
                                                      description: description))),
            Response(id: 2, .status(status)), Response(id: 3, .said(utterance: 9)), Response(id: 4, .stopped),
            Response(id: 5, .repeated(text: "a dog")),
            Response(id: 6, .history([HistoryEntry(time: 1, photo: "a.jpg", text: "a dog")])),
            Response(id: 7, .voice(VoiceInfo(rate: 1, pitch: 2, volume: 3, voice: "de"))),
            Response(id: 8, .subscribed),
            Response(id: 10, .modelReload(ModelStatus(loaded: true, path: "/m/current", problem: nil, state: .loading,
                name: "owner--vit", repo: "owner/vit", commit: "abc123", modelsDirectory: "/m", source: .selection,
                loadingPath: "/m/owner--vit"))),
            Response(id: 0, .event(Event(kind: .failed, time: 5, photo: "x.jpg", error: "bad"))),
            Response(id: 0, .event(Event(kind: .captioned, time: 6, photo: "x.jpg", text: "a dog", description: description))),
            Response(id: 0, .event(Event(kind: .photoClaimed, time: 7, photo: "x.jpg", attempt: 2))),
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

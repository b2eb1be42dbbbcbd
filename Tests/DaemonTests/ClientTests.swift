import XCTest
import Glibc

/// The `assist` client as a person uses it, against the real daemon.
final class ClientTests: XCTestCase {
    func testDaemonNotRunningIsSaidInOneSentence() throws {
        let h = try DaemonHarness()
        let r = try h.client(["status"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("not running"), r.stderr)
    }

    func testUsageErrorsExitTwo() throws {
        let h = try DaemonHarness()
        XCTAssertEqual(try h.client(["dance"]).status, 2)
        XCTAssertEqual(try h.client(["history", "--limit", "ten"]).status, 2)
        XCTAssertEqual(try h.client(["caption"]).status, 2)
    }

    /// Without a model a photo is still described (quality and text); `status` and the
    /// description explain how to install a model, and an unreadable photo is `photo_invalid`.
    func testCaptionWithoutAModelExplainsHowToInstallOne() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model"])
        try h.start()
        let status = try h.client(["--json", "status"])
        XCTAssertEqual(status.status, 0)
        let o = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        let model = (o["status"] as! [String: Any])["model"] as! [String: Any]
        XCTAssertEqual(model["loaded"] as? Bool, false)
        let problem = model["problem"] as? String ?? ""
        XCTAssertTrue(problem.contains("--model") && problem.contains("/nonexistent/model"), problem)
        let plainStatus = try h.client(["status"])
        XCTAssertTrue(plainStatus.stdout.contains("model: No captioning model is installed"), plainStatus.stdout)

        let good = DaemonHarness.fixtures.appendingPathComponent("analysis/notext/plain-wall.jpg").path
        let described = try h.client(["--json", "caption", "--no-speak", good])
        XCTAssertEqual(described.status, 0, described.stderr)
        let d = (try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])?["description"] as? [String: Any]
        XCTAssertNil(d?["caption"])
        let captionProblem = d?["caption_problem"] as? String ?? ""
        XCTAssertTrue(captionProblem.contains("--model") && captionProblem.contains("/nonexistent/model"), captionProblem)
        XCTAssertEqual(d?["message"] as? String, "I could not find text in this photo, and no captioning model is installed.")

        let photo = h.root + "/photo.jpg"
        try BadPhotos.truncatedJPEG.write(to: URL(fileURLWithPath: photo))
        let r = try h.client(["caption", photo])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("photo.jpg") && r.stderr.contains("truncated"), r.stderr)
        let json = try h.client(["--json", "caption", "-"], stdin: BadPhotos.truncatedJPEG)
        XCTAssertEqual(json.status, 1)
        let e = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((e["error"] as? [String: Any])?["code"] as? String, "photo_invalid")
    }

    func testVoiceChangesPersistAcrossRestartAndBadValuesAreRefused() throws {
        let h = try DaemonHarness()
        try h.start()
        let set = try h.client(["voice", "--rate", "220", "--pitch", "40", "--voice", "en-us"])
        XCTAssertEqual(set.status, 0, set.stderr)
        let bad = try h.client(["voice", "--volume", "900"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("volume 900"), bad.stderr)
        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        let r = try h.client(["--json", "voice"])
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["rate"] as? Int, 220)
        XCTAssertEqual(o["pitch"] as? Int, 40)
        XCTAssertEqual(o["voice"] as? String, "en-us")
        XCTAssertEqual(o["volume"] as? Int, 100)
    }

    func testRepeatAndHistoryBeforeAnyCaption() throws {
        let h = try DaemonHarness()
        try h.start()
        let r = try h.client(["repeat"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no caption to repeat"), r.stderr)
        let hist = try h.client(["--json", "history", "--limit", "5"])
        XCTAssertEqual(hist.status, 0)
        let o = try JSONSerialization.jsonObject(with: Data(hist.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((o["entries"] as? [Any])?.count, 0)
    }

    func testSayAndStopAreAcceptedWithJSON() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()
        let say = try h.client(["--json", "say", "hello", "there"])
        XCTAssertEqual(say.status, 0, say.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(say.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["v"] as? Int, 2)
        XCTAssertEqual(o["type"] as? String, "say")
        let queued = events.next(.speechQueued, timeout: 5) { $0.text == "hello there" }
        XCTAssertEqual(queued?.utteranceKind, .message, h.currentLog)
        XCTAssertEqual(queued?.utterance, (o["utterance"] as? Int).map(UInt64.init))
        XCTAssertEqual(try h.client(["stop"]).status, 0)
    }

    /// Needs the real Speaker: a long `say` to the WAV sink, then `stop`, ends the utterance
    /// early (a `stopped` event, never `spoken`).
    func testNeedsSpeech_StopDuringALongSayEndsItEarly() throws {
        let h = try DaemonHarness()
        try h.start()
        let events = try h.events()
        let long = Array(repeating: "This sentence is here to make the utterance last for a long time.", count: 200).joined(separator: " ")
        let say = try h.client(["--json", "say", long])
        XCTAssertEqual(say.status, 0)
        let id = (try JSONSerialization.jsonObject(with: Data(say.stdout.utf8)) as? [String: Any])?["utterance"] as? Int ?? -1
        XCTAssertNotNil(events.next(.speechStarted, timeout: 10) { $0.utterance == UInt64(id) }, "the utterance never started")
        let stopped = Date()
        XCTAssertEqual(try h.client(["stop"]).status, 0)
        XCTAssertNotNil(events.next(.speechStopped, timeout: 5) { $0.utterance == UInt64(id) },
                        "no stopped event for utterance \(id); log:\n\(h.currentLog)")
        XCTAssertLessThan(Date().timeIntervalSince(stopped), 1.0)
        XCTAssertFalse(events.all(.spoken).contains { $0.utterance == UInt64(id) }, "the long utterance was spoken to the end")
    }

    /// Needs the real engine and the fixture model: the daemon's caption equals the one-shot
    /// `assistd caption`, by descriptor and by bytes, and is part of the printed message.
    func testNeedsEngine_AssistCaptionMatchesOneShotCaption() throws {
        guard let model = DaemonHarness.fixtureModel else {
            return XCTFail("needs the tiny fixture model (Tests/Fixtures/models/tiny-st) and the real CaptionEngine")
        }
        let images = DaemonHarness.fixtures.appendingPathComponent("images")
        let name = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().first { $0.hasSuffix(".jpg") }!
        let image = images.appendingPathComponent(name).path
        let h = try DaemonHarness(config: ["model": model])
        try h.start()
        func described(_ r: DaemonHarness.ClientResult) -> (caption: String?, message: String?) {
            let d = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["description"] as? [String: Any]
            return ((d?["caption"] as? [String: Any])?["text"] as? String, d?["message"] as? String)
        }
        let viaDescriptor = try h.client(["--json", "caption", "--no-speak", image])
        XCTAssertEqual(viaDescriptor.status, 0, viaDescriptor.stderr)
        let viaBytes = try h.client(["--json", "caption", "--no-speak", "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: image)))
        let (caption, message) = described(viaDescriptor)
        let captionText = try XCTUnwrap(caption, viaDescriptor.stdout)
        XCTAssertEqual(described(viaBytes).caption, captionText)
        XCTAssertEqual(described(viaBytes).message, message)
        XCTAssertTrue(message?.contains(captionText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? false, "\(message ?? "nil")")
        let plain = try h.client(["caption", "--no-speak", image])
        XCTAssertEqual(plain.stdout, (message ?? "") + "\n")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = ["caption", "--model", model, image]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let oneShot = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(oneShot.contains(captionText.trimmingCharacters(in: .whitespacesAndNewlines)),
                      "assist caption: \(captionText) / assistd caption: \(oneShot)")
    }

    /// Needs the real engine and the fixture model: a folder photo's message (which includes
    /// its caption) is what `repeat` says and what `history` lists, and it is still there after
    /// a restart.
    func testNeedsEngine_RepeatAndHistoryAfterACaption() throws {
        guard let model = DaemonHarness.fixtureModel else {
            return XCTFail("needs the tiny fixture model (Tests/Fixtures/models/tiny-st) and the real CaptionEngine")
        }
        let images = DaemonHarness.fixtures.appendingPathComponent("images")
        let name = try FileManager.default.contentsOfDirectory(atPath: images.path).sorted().first { $0.hasSuffix(".jpg") }!
        let h = try DaemonHarness(config: ["model": model])
        try h.start()
        let p = try h.drop("desk.jpg", Data(contentsOf: images.appendingPathComponent(name)))
        let r = h.waitForResult(p, timeout: 120)
        XCTAssertEqual(r?.state, "done", h.currentLog)
        let caption = try XCTUnwrap(r?.caption, "the journal records the model's caption")
        let message = try XCTUnwrap(DescribedRecord.latest(in: h, path: p)?.message)
        XCTAssertTrue(message.contains(caption.trimmingCharacters(in: .whitespacesAndNewlines)), message)
        XCTAssertEqual(try h.client(["repeat"]).stdout, message + "\n")
        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        let hist = try h.client(["history", "--limit", "1"])
        XCTAssertTrue(hist.stdout.contains("desk.jpg: \(message)"), hist.stdout)
        XCTAssertEqual(try h.client(["repeat"]).stdout, message + "\n", "repeat after a restart")
    }
}

import Foundation
import IPC
import XCTest

/// `speech = device` through real libasound into ALSA's file plugin: the test HOME's
/// `.asoundrc` has two PCMs, each writing what it plays into a raw file. `assist outputs` lists
/// them, `assist voice --output` moves speech to the second one live and after a restart, and a
/// PCM that cannot open is refused with a spoken and logged error while the daemon keeps going.
final class AudioOutputSwitchTests: XCTestCase {
    func testOutputsListAndVoiceOutputSwitchesLiveAndAcrossARestart() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "speech": "device", "announce": "errors"])
        let first = h.root + "/default.raw", second = h.root + "/second.raw"
        try """
            pcm.!default { type file; slave.pcm "null"; file "\(first)"; format "raw" }
            pcm.second {
                type file; slave.pcm "null"; file "\(second)"; format "raw"
                hint { show on; description "Second test output" }
            }

            """.write(toFile: h.root + "/.asoundrc", atomically: true, encoding: .utf8)
        try h.start()

        // The start-up sentence (only its error part, announce = errors) plays on "default".
        let startupText = "Captions off: no captioning model is installed. To add one, run assist model install."
        let startup = try AudioOutputSwitchTests.pcm(startupText, in: h.root)
        XCTAssertTrue(h.wait(timeout: 20) { AudioOutputSwitchTests.bytes(first).count >= startup.count }, h.currentLog)
        XCTAssertTrue(AudioOutputSwitchTests.bytes(first) == startup, "default.raw holds exactly espeak-ng's samples")

        let listed = try h.client(["--json", "outputs"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let info = try AudioOutputSwitchTests.decodeOutputs(listed.stdout)
        XCTAssertEqual(info.current, "default")
        XCTAssertEqual(info.sink, "device")
        XCTAssertTrue(info.outputs.contains(OutputsInfo.Output(name: "second", description: "Second test output",
                                                                 source: "configuration", inUse: false)), "\(info.outputs)")
        XCTAssertEqual(info.outputs.filter(\.inUse).map(\.name), ["default"])
        let text = try h.client(["outputs"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.split(separator: "\n").contains("* default"), text.stdout)
        XCTAssertTrue(text.stdout.split(separator: "\n").contains("  second  (Second test output)"), text.stdout)

        let switched = try h.client(["voice", "--output", "second"])
        XCTAssertEqual(switched.status, 0, switched.stderr)
        XCTAssertTrue(switched.stdout.contains("output second"), switched.stdout)

        let events = try h.events()
        let sentence = "This sentence goes to the second output."
        let said = try h.client(["say", sentence])
        XCTAssertEqual(said.status, 0, said.stderr)
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { $0.text == sentence }, h.currentLog)
        let spoken = try AudioOutputSwitchTests.pcm(sentence, in: h.root)
        XCTAssertTrue(AudioOutputSwitchTests.bytes(second) == spoken, "second.raw holds exactly the sentence")
        XCTAssertTrue(AudioOutputSwitchTests.bytes(first) == startup, "nothing more went to default")

        // A PCM that cannot open: refused, said on the output in use, and the daemon goes on.
        let refused = try h.client(["voice", "--output", "nosuchpcm"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("nosuchpcm") && refused.stderr.contains("speech stays on second"), refused.stderr)
        let errorText = "I cannot play sound on nosuchpcm, so I keep the output I have."
        let error = try XCTUnwrap(events.next(.spoken, timeout: 20) { $0.text == errorText }, h.currentLog)
        XCTAssertNotNil(events.all(.speechQueued).first { $0.utterance == error.utterance && $0.utteranceKind == .error })
        XCTAssertTrue(AudioOutputSwitchTests.bytes(second) == spoken + (try AudioOutputSwitchTests.pcm(errorText, in: h.root)))
        let voice = try h.client(["voice"])
        XCTAssertEqual(voice.status, 0, voice.stderr)
        XCTAssertTrue(voice.stdout.contains("output second"), voice.stdout)
        XCTAssertTrue(h.currentLog.contains("nosuchpcm"), "the refusal is logged")

        // After a restart the saved choice holds: the start-up sentence plays on "second".
        XCTAssertEqual(h.terminate(), 0)
        let before = AudioOutputSwitchTests.bytes(second)
        try h.start()
        XCTAssertTrue(h.wait(timeout: 20) {
            let now = AudioOutputSwitchTests.bytes(second)
            return now.count >= startup.count && now != before
        }, h.currentLog)
        let after = AudioOutputSwitchTests.bytes(second)
        // The file plugin truncates its file when the PCM opens (alsa-lib's default), or appends.
        XCTAssertTrue(after == startup || after == before + startup, "second.raw after the restart: \(after.count) bytes")
        XCTAssertTrue(AudioOutputSwitchTests.bytes(first) == startup, "default was not used after the restart")
        let again = try AudioOutputSwitchTests.decodeOutputs(try h.client(["--json", "outputs"]).stdout)
        XCTAssertEqual(again.current, "second")
        XCTAssertEqual(again.outputs.filter(\.inUse).map(\.name), ["second"])
        XCTAssertEqual(h.terminate(), 0)
    }

    func testAConfiguredPCMThatCannotOpenKeepsTheDaemonRunning() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "speech": "device:nosuchpcm"])
        try h.start()
        let status = try XCTUnwrap(h.waitForStatus(timeout: 20), h.currentLog)
        XCTAssertEqual(status.speech.sink, "device:nosuchpcm")
        XCTAssertFalse(status.speech.ok)
        XCTAssertTrue((status.speech.detail ?? "").contains("nosuchpcm"), status.speech.detail ?? "")
        // A photo is still handled and recorded (the sentinel is not a photo: failed) while
        // nothing can be heard.
        let record = try XCTUnwrap(h.dropSentinel(), h.currentLog)
        XCTAssertEqual(record.state, "failed")
        XCTAssertEqual(h.terminate(), 0)
    }

    /// What espeak-ng makes for `text` at the default voice, as the little-endian bytes ALSA's
    /// file plugin writes.
    static func pcm(_ text: String, voice: String = "en", in directory: String) throws -> [UInt8] {
        let samples = try AnnouncerTests.espeak(text, voice: voice, in: directory).samples
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples {
            let u = UInt16(bitPattern: s)
            out.append(UInt8(u & 0xff))
            out.append(UInt8(u >> 8))
        }
        return out
    }

    static func bytes(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []
    }

    static func decodeOutputs(_ json: String) throws -> OutputsInfo {
        let response = try JSONDecoder().decode(Response.self, from: Data(json.utf8))
        guard case .outputs(let info) = response.body else {
            throw NSError(domain: "outputs", code: 1, userInfo: [NSLocalizedDescriptionKey: "not an outputs answer: \(json)"])
        }
        return info
    }
}

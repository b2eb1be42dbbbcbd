import Foundation
import Glibc
import Messages
import Speech
import XCTest

/// Light mode on the device: the button starts a tone that repeats every second, its pitch
/// following the brightness of what the camera sees, until the button is pressed again. Driven
/// as a person would: a FIFO button, a shell-script camera and the real device sink into ALSA's
/// file plugin (`KeyRig`); the tone's pitch is measured in the heard audio with sox.
final class LightToneTests: XCTestCase {
    func testTheButtonStartsAndStopsATonePitchedByTheBrightness() throws {
        let rig = try KeyRig(language: .english)
        let h = rig.harness
        try h.start()
        let events = try h.events()
        try rig.openKeys()
        let set = try h.client(["mode", "light"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertNotNil(events.next(.spoken, timeout: 30), "the mode's name was not spoken")
        rig.settle()

        // The pitch the daemon gives this photo, from a light-mode description of the same file
        // the fake camera copies.
        let fixture = DaemonHarness.fixtures.appendingPathComponent("images/exif-1.jpg").path
        let described = try h.client(["--json", "caption", "--no-speak", fixture])
        XCTAssertEqual(described.status, 0, described.stderr)
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        let description = try XCTUnwrap(answer["description"] as? [String: Any], described.stdout)
        let result = try XCTUnwrap(description["mode_result"] as? [String: Any], described.stdout)
        let pitch = try XCTUnwrap(result["tone_pitch"] as? Double, described.stdout)
        let tone = Earcon.tone(frequency: pitch, duration: 0.25).bytes()

        // A press: the key earcon, then a tone about every second.
        let mark = rig.size
        rig.press(held: 0.1)
        let firstTwo = mark + KeyRig.keyPress.count + 2 * tone.count
        XCTAssertNotNil(rig.waitForSize(firstTwo, timeout: 15), "no repeating tone after a press in light mode; log:\n\(h.currentLog)")
        let heard = rig.bytes(from: mark)
        XCTAssertNil(KeyRig.difference(Array(heard.prefix(KeyRig.keyPress.count)), KeyRig.keyPress), "the first sound is not the key earcon")
        let first = Array(heard.dropFirst(KeyRig.keyPress.count).prefix(tone.count))
        XCTAssertNil(KeyRig.difference(first, tone), "the first tone is not \(pitch) Hz for 0.25 s")
        let measured = try LightToneTests.soxFrequency(first)
        print("LightToneTests: tone for this photo \(pitch) Hz, sox measures \(measured) Hz in the heard audio")
        XCTAssertEqual(measured, pitch, accuracy: pitch * 0.05)

        // A second press stops it: the key earcon, then at most the one tone that was already
        // being played when the press came, and nothing more.
        rig.press(held: 0.1)
        rig.settle()
        let end = rig.size
        let all = rig.bytes(from: mark)
        let endsWithKey = Array(all.suffix(KeyRig.keyPress.count)) == KeyRig.keyPress
        let endsWithKeyThenTone = Array(all.suffix(KeyRig.keyPress.count + tone.count)) == KeyRig.keyPress + tone
        XCTAssertTrue(endsWithKey || endsWithKeyThenTone, "the sound after the second press is not its key earcon (and a last tone)")
        XCTAssertNil(rig.waitForSize(end + 1, timeout: 1.5), "the tone went on after the second press")
        // Light mode's frames are measured, never described or journaled, and deleted.
        XCTAssertEqual(h.journal().filter { $0.path.hasPrefix(h.state + "/captures/") }.count, 0)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: h.state + "/captures")) ?? []
        XCTAssertEqual(left.filter { !$0.hasPrefix(".capture-") }, [], "light-mode frames were kept")
        XCTAssertEqual(h.terminate(), 0)
    }

    /// A failing camera is said once: at a press, as the capture's own sentence (not a second
    /// "not working"), and in light mode, where a frame is taken every second, once for all the
    /// failing frames; "The camera works again." follows the next photo that works.
    func testAFailingCameraIsSaidOnceAndItsEndToo() throws {
        let rig = try KeyRig(language: .english, config: ["announce": "all"])
        let h = rig.harness
        let catalogue = MessageCatalogue(language: .english)
        try h.start()
        let events = try h.events()
        try rig.openKeys()
        // A press while the start-up sentence plays would only stop it: wait until it was heard.
        XCTAssertNotNil(rig.waitForSize(1, timeout: 30), "the start-up sentence was not played")
        rig.settle()
        let failed = catalogue.text(.captureFailed(reason: "no cameras available"))
        let notWorking = catalogue.text(.cameraFailingBegan)
        let worksAgain = catalogue.text(.cameraFailingEnded)
        func queued(_ text: String) -> Int { events.all(.speechQueued).filter { $0.text?.contains(text) == true }.count }

        try rig.camera("fail")
        rig.press(held: 0.1)
        XCTAssertNotNil(events.next(.speechQueued, timeout: 20) { $0.text == failed }, "the failed press was not said; log:\n\(h.currentLog)")
        // Heard to the end, so that the next press takes a photo instead of stopping speech.
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == failed })
        rig.settle()
        try rig.camera("ok")
        rig.press(held: 0.1)
        XCTAssertNotNil(events.next(.speechQueued, timeout: 30) { $0.text?.contains(worksAgain) == true },
                        "\"\(worksAgain)\" was not said after a photo worked")
        XCTAssertEqual(queued(notWorking), 0, "the press's own sentence already said the camera failed")

        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text?.contains(worksAgain) == true })
        let set = try h.client(["mode", "light"])
        XCTAssertEqual(set.status, 0, set.stderr)
        let modeName = try XCTUnwrap(events.next(.speechQueued, timeout: 20) { $0.utteranceKind == .message && $0.text?.contains("light") == true })
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.utterance == modeName.utterance })
        rig.settle()
        try rig.camera("fail")
        rig.press(held: 0.1)
        XCTAssertNotNil(events.next(.speechQueued, timeout: 20) { $0.text?.contains(notWorking) == true },
                        "light mode's failing frames were not said; log:\n\(h.currentLog)")
        // Two more frames fail in the next two seconds; nothing more is said about them.
        XCTAssertNil(events.next(.speechQueued, timeout: 2.5) { $0.text?.contains(notWorking) == true })
        XCTAssertEqual(queued(notWorking), 1)
        try rig.camera("ok")
        XCTAssertNotNil(events.next(.speechQueued, timeout: 20) { $0.text?.contains(worksAgain) == true },
                        "the camera working again in light mode was not said")
        XCTAssertEqual(queued(worksAgain), 2)
        rig.press(held: 0.1)
        XCTAssertEqual(h.terminate(), 0)
    }

    /// sox's rough frequency of raw 22050 Hz s16 mono PCM.
    static func soxFrequency(_ pcm: [UInt8]) throws -> Double {
        let path = NSTemporaryDirectory() + "light-tone-\(UUID().uuidString).raw"
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(pcm)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        process.arguments = ["-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", path, "-n", "stat"]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("Rough   frequency:") }, output)
        return try XCTUnwrap(Double(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)))
    }
}

import Foundation
import Glibc
import IPC
import Messages
import Speech
import XCTest

/// The built daemon used as a person uses the device: a button (a FIFO of 24-byte
/// `struct input_event` records with chosen timestamps), a camera (a shell script as
/// `capture_command`) and a speaker (the real device sink into ALSA's file plugin, from the test
/// HOME's `.asoundrc`). Order and timing come from the spoken output: the raw PCM file's bytes
/// and growth, polled against deadlines. The sentences are rendered by the catalogue of the
/// run's language; the description itself comes from the daemon (without a model, the
/// no-text-no-model sentence) and is compared with `espeak-ng -w` sample for sample.
final class KeyDeviceTests: XCTestCase {
    func testButtonCameraAndSpeakerInEnglish() throws {
        try scenario(.english)
    }

    func testButtonCameraAndSpeakerInGerman() throws {
        try scenario(.german)
    }

    private func scenario(_ language: Language, file: StaticString = #filePath, line: UInt = #line) throws {
        let rig = try KeyRig(language: language)
        let h = rig.harness
        let catalogue = MessageCatalogue(language: language)
        try h.start()
        let events = try h.events()
        try rig.openKeys()
        rig.settle()

        // 1. A short press: the key earcon within 100 ms, then the photo's description.
        var mark = rig.size
        var pressed = Date()
        rig.press(held: 0.1)
        let heard = rig.waitForSize(mark + KeyRig.keyPress.count, timeout: 5)
        XCTAssertNotNil(heard, "no key earcon after a press; log:\n\(h.currentLog)")
        if let heard {
            XCTAssertLessThan(heard.timeIntervalSince(pressed), 0.1, "key earcon later than 100 ms after the key went down")
            print("KeyDeviceTests \(language.rawValue): key earcon in the speaker file \(KeyRig.ms(heard.timeIntervalSince(pressed))) after the write")
        }
        XCTAssertNil(KeyRig.difference(Array(rig.bytes(from: mark).prefix(KeyRig.keyPress.count)), KeyRig.keyPress),
                     "the first sound is not the key earcon")
        let captioned = events.next(.captioned, timeout: 30)
        let description = try XCTUnwrap(captioned?.text, "the captured photo was not described; log:\n\(h.currentLog)")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == description })
        let speech = try rig.espeak(description)
        let first = rig.bytes(from: mark)
        XCTAssertTrue(KeyRig.isSequence(first, KeyRig.keyPress + KeyRig.photoArrived, speech),
                      "not key earcon, photo earcon, (ticks,) then \"\(description)\" as espeak-ng says it: \(rig.dump(first, speech, "press"))")

        // 2. A press while speaking: silent within 100 ms, and that press takes no photo.
        let long = (1...30).map { "This is sentence \($0) of a long text that keeps the speaker busy." }.joined(separator: " ")
        let said = try h.client(["say", long])
        XCTAssertEqual(said.status, 0, said.stderr)
        XCTAssertNotNil(events.next(.speechStarted, timeout: 20))
        let talking = rig.size
        XCTAssertNotNil(rig.waitForSize(talking + 20_000, timeout: 20), "the long text is not being played")
        pressed = Date()
        rig.press(held: 0.1)
        XCTAssertNotNil(events.next(.speechStopped, timeout: 5), "a press while speaking did not stop speech")
        let quiet = rig.settle()
        XCTAssertLessThan(quiet.timeIntervalSince(pressed), 0.1, "sound went on for more than 100 ms after the press")
        print("KeyDeviceTests \(language.rawValue): speaker file last grew \(KeyRig.ms(quiet.timeIntervalSince(pressed))) after the press that stopped speech")
        XCTAssertNil(KeyRig.difference(Array(rig.bytes(from: talking).suffix(KeyRig.keyPress.count)), KeyRig.keyPress),
                     "the last sound after the stop is not the key earcon")

        // 3. A double press: the same description again.
        mark = rig.size
        rig.doublePress()
        XCTAssertNotNil(events.next(.speechQueued, timeout: 10) { $0.text == description && $0.utteranceKind == .caption },
                        "a double press did not repeat the description")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == description })
        let again = rig.bytes(from: mark)
        XCTAssertNil(KeyRig.difference(again, KeyRig.keyPress + KeyRig.keyPress + speech),
                     "not two key earcons then the description again: \(rig.dump(again, speech, "double"))")

        // 4. A long press: the status, in the run's language.
        let reading: HealthReport.Reading = .on(languages: language.tesseractLanguage)
        let status = catalogue.utterance(HealthReport(captions: .noModel, reading: reading,
                                                      camera: .found, keys: .found)
            .status(photosWaiting: 0, rate: 175, volume: 100))
        rig.press(held: 1.2)
        XCTAssertNotNil(events.next(.speechQueued, timeout: 10) { $0.text == status }, "a long press did not say \"\(status)\"")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == status })

        // 5. The camera fails: one spoken error, and the daemon still answers.
        try rig.camera("fail")
        let errorsBefore = events.all(.speechQueued).filter { $0.utteranceKind == .error }.count
        rig.press(held: 0.1)
        let failure = catalogue.text(.captureFailed(reason: "no cameras available"))
        XCTAssertNotNil(events.next(.speechQueued, timeout: 20) { $0.text == failure && $0.utteranceKind == .error },
                        "the camera's failure was not spoken as \"\(failure)\"; log:\n\(h.currentLog)")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == failure })
        XCTAssertNotNil(h.waitForStatus(timeout: 10), "the daemon does not answer after a camera failure")
        XCTAssertEqual(events.all(.speechQueued).filter { $0.utteranceKind == .error }.count, errorsBefore + 1, "not exactly one spoken error")

        // 6. The camera hangs past capture_timeout: its sentence, and the daemon is still up.
        try rig.camera("hang")
        let hangStart = Date()
        rig.press(held: 0.1)
        let hung = catalogue.text(.captureHung)
        XCTAssertNotNil(events.next(.speechQueued, timeout: 20) { $0.text == hung && $0.utteranceKind == .error },
                        "a hanging camera was not spoken as \"\(hung)\"")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(hangStart), KeyRig.captureTimeout)
        XCTAssertNotNil(h.waitForStatus(timeout: 10), "the daemon does not answer after a hanging camera")

        // 7. assist snap --json against the fake camera: answered like caption.
        try rig.camera("ok")
        let snap = try h.client(["--json", "snap"], timeout: 60)
        XCTAssertEqual(snap.status, 0, snap.stderr)
        let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(snap.stdout.utf8)) as? [String: Any], snap.stdout)
        XCTAssertEqual(answer["type"] as? String, "caption")
        XCTAssertEqual(answer["ok"] as? Bool, true)
        XCTAssertEqual(answer["text"] as? String, description)

        // Two photos were taken (the first press and the snap), each described once in the
        // journal and deleted afterwards (keep_captures = false); the press that stopped speech
        // and the failed captures took none.
        XCTAssertEqual(events.all(.photoReceived).count, 2)
        let captures = h.journal().filter { $0.path.hasPrefix(h.state + "/captures/") && $0.state != "claimed" }
        XCTAssertEqual(captures.count, 2, "\(captures.map(\.path))")
        XCTAssertEqual(Set(captures.map(\.path)).count, 2)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: h.state + "/captures")) ?? []
        XCTAssertEqual(left.filter { !$0.hasPrefix(".") }, [], "captured photos were kept")
        XCTAssertEqual(h.terminate(), 0)
    }
}

/// The fake device of `KeyDeviceTests`: a daemon whose button is a FIFO, whose camera is a
/// script switched by a mode file, and whose speaker is a raw PCM file.
final class KeyRig {
    static let captureTimeout = 1.5
    static let button: UInt16 = 256 // BTN_0, the gpio-key overlay's button
    static let keyPress = Earcon.keyPress.bytes()
    static let photoArrived = Earcon.photoArrived.bytes()
    static let working = Earcon.working.bytes()

    let harness: DaemonHarness
    let language: Language
    let aux: String
    var fifo: String { aux + "/keys.fifo" }
    var audio: String { harness.root + "/speaker.raw" }
    private var keys: Int32 = -1
    /// The next press's timestamp: far enough after the last that no press becomes a double.
    private var clock = 1000.0

    /// `config` is added to (and wins over) the rig's own settings.
    init(language: Language, config extra: [String: String] = [:]) throws {
        var template = Array("/tmp/assist-keys-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        aux = String(cString: dir)
        guard mkfifo(aux + "/keys.fifo", 0o600) == 0 else { throw NSError(domain: "mkfifo", code: Int(errno)) }
        let fixture = DaemonHarness.fixtures.appendingPathComponent("images/exif-1.jpg").path
        let script = """
            #!/bin/sh
            case "$(cat \(aux)/mode)" in
            ok) exec cp \(fixture) "$1" ;;
            fail) echo "starting camera" >&2; echo "no cameras available" >&2; exit 1 ;;
            hang) exec sleep 30 ;;
            esac

            """
        try script.write(toFile: aux + "/camera", atomically: true, encoding: .utf8)
        chmod(aux + "/camera", 0o755)
        try "ok\n".write(toFile: aux + "/mode", atomically: true, encoding: .utf8)
        self.language = language
        harness = try DaemonHarness(config: [
            "speech": "device", "language": language.rawValue, "input_devices": aux + "/keys.fifo",
            "capture_command": aux + "/camera {out}", "capture_frames": "1", "capture_timeout": "\(KeyRig.captureTimeout)",
            // No model: the description is the fixed no-text-no-model sentence, which espeak-ng
            // renders the same from the command line (a tiny fixture model's caption need not).
            "model": aux + "/no-model",
        ].merging(extra) { $1 })
        try "pcm.!default { type file; slave.pcm \"null\"; file \"\(audio)\"; format \"raw\" }\n"
            .write(toFile: harness.root + "/.asoundrc", atomically: true, encoding: .utf8)
    }

    deinit {
        if keys >= 0 { close(keys) }
        try? FileManager.default.removeItem(atPath: aux)
    }

    /// Opens the FIFO for writing (the daemon holds it open, so this does not block).
    func openKeys() throws {
        keys = open(fifo, O_WRONLY | O_CLOEXEC)
        guard keys >= 0 else { throw NSError(domain: "open fifo", code: Int(errno)) }
    }

    func camera(_ mode: String) throws {
        try "\(mode)\n".write(toFile: aux + "/mode", atomically: true, encoding: .utf8)
    }

    // MARK: - Keys

    /// One `struct input_event` (x86_64 and arm64): timeval, type, code, value.
    static func record(_ time: Double, type: UInt16, code: UInt16, value: Int32) -> [UInt8] {
        let seconds = Int64(time.rounded(.down))
        let micros = Int64(((time - Double(seconds)) * 1e6).rounded())
        var out: [UInt8] = []
        withUnsafeBytes(of: seconds.littleEndian) { out += $0 }
        withUnsafeBytes(of: micros.littleEndian) { out += $0 }
        withUnsafeBytes(of: type.littleEndian) { out += $0 }
        withUnsafeBytes(of: code.littleEndian) { out += $0 }
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
        return out
    }

    static func tap(at time: Double, held: Double) -> [UInt8] {
        record(time, type: 1, code: button, value: 1) + record(time, type: 0, code: 0, value: 0)
            + record(time + held, type: 1, code: button, value: 0) + record(time + held, type: 0, code: 0, value: 0)
    }

    /// Writes a press held `held` seconds (by its timestamps) in one write.
    func press(held: Double) {
        send(KeyRig.tap(at: clock, held: held))
        clock += held + 10
    }

    /// Two short presses 0.25 s apart (by timestamps): inside the 0.4 s double-press window.
    func doublePress() {
        send(KeyRig.tap(at: clock, held: 0.1) + KeyRig.tap(at: clock + 0.25, held: 0.1))
        clock += 10
    }

    private func send(_ bytes: [UInt8]) {
        let written = bytes.withUnsafeBytes { write(keys, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "short write to the key FIFO")
    }

    // MARK: - Speaker

    var size: Int {
        var st = stat()
        return stat(audio, &st) == 0 ? Int(st.st_size) : 0
    }

    func bytes(from offset: Int) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: audio), data.count >= offset else { return [] }
        return [UInt8](data[offset...])
    }

    /// When the file first held `target` bytes, polling every millisecond; nil after `timeout`.
    func waitForSize(_ target: Int, timeout: Double) -> Date? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if size >= target { return Date() }
            usleep(1000)
        }
        return nil
    }

    /// Waits until the file has not grown for half a second (at most 30 s); returns when it
    /// last grew, as seen by polling every millisecond.
    @discardableResult
    func settle() -> Date {
        var last = size
        var changed = Date()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, Date().timeIntervalSince(changed) < 0.5 {
            usleep(1000)
            let now = size
            if now != last {
                last = now
                changed = Date()
            }
        }
        return changed
    }

    /// `espeak-ng -w` for `text` in the run's voice at the default settings, as raw PCM bytes.
    func espeak(_ text: String) throws -> [UInt8] {
        let path = aux + "/espeak-\(UUID().uuidString).wav"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/espeak-ng")
        p.arguments = ["-w", path, "-s", "175", "-p", "50", "-a", "100", "-v", language.espeakVoice, text]
        try p.run()
        p.waitUntilExit()
        // espeak-ng's 44-byte header (WavFileWriter writes the same), then little-endian samples.
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst(44))
    }

    static func ms(_ seconds: TimeInterval) -> String { String(format: "%.1f ms", seconds * 1000) }

    /// Nil when equal; else the lengths and the first byte offset where they differ.
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        guard a != b else { return nil }
        let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        return "\(a.count) bytes vs \(b.count) expected, first difference at byte \(at)"
    }

    /// Keeps the heard audio and the expected speech beside the test's files for a look, and
    /// says where they are.
    func dump(_ heard: [UInt8], _ speech: [UInt8], _ name: String) -> String {
        let base = NSTemporaryDirectory() + "assist-keys-\(name)-\(language.rawValue)"
        FileManager.default.createFile(atPath: base + ".heard.raw", contents: Data(heard))
        FileManager.default.createFile(atPath: base + ".speech.raw", contents: Data(speech))
        return "\(heard.count) bytes heard, speech \(speech.count) bytes; kept in \(base).*.raw"
    }

    /// Whether `audio` is `head`, then any number of working ticks, then `tail`, and nothing else.
    static func isSequence(_ audio: [UInt8], _ head: [UInt8], _ tail: [UInt8]) -> Bool {
        guard audio.count >= head.count + tail.count, Array(audio.prefix(head.count)) == head,
              Array(audio.suffix(tail.count)) == tail else { return false }
        let middle = audio[head.count..<(audio.count - tail.count)]
        guard middle.count % working.count == 0 else { return false }
        return stride(from: middle.startIndex, to: middle.endIndex, by: working.count).allSatisfy {
            Array(middle[$0..<($0 + working.count)]) == working
        }
    }
}

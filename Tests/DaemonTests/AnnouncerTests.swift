import Foundation
import Glibc
import IPC
import XCTest

/// What the built daemon says about itself (issue 9, "Audible state"): the start-up sentence
/// from real health in English and German, `announce = errors | none`, a degraded state said
/// once when it begins and once when it ends, and "Stopping." on SIGTERM. Each utterance is the
/// WAV sink's file, and its samples are compared with `espeak-ng -w` for the same text.
final class AnnouncerTests: XCTestCase {
    static let startupEnglish = "Ready. Captions off: no captioning model is installed. To add one, run assist model install. "
        + "Reading English."
    static let startupGerman = "Bereit. Bildbeschreibung aus: Es ist kein Modell installiert. Installieren Sie eines mit "
        + "assist model install. Texterkennung: Deutsch."

    func testStartWithoutAModelSaysCaptionsAreOffAndHowToTurnThemOnThenStoppingOnSIGTERM() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "all"])
        try h.start()
        let startup = try XCTUnwrap(Utterances(h).next(), "no start-up sentence; log:\n\(h.currentLog)")
        XCTAssertEqual(startup.text, AnnouncerTests.startupEnglish)
        try DescribeTests.assertSameSamples(startup.wav, asEspeakSays: startup.text, in: h.root)

        XCTAssertEqual(h.terminate(), 0)
        let utterances = Utterances(h)
        utterances.skip(1)
        let stopping = try XCTUnwrap(utterances.next(timeout: 5), "\"Stopping.\" was not spoken; log:\n\(h.currentLog)")
        XCTAssertEqual(stopping.text, "Stopping.")
        try AnnouncerTests.assertSameSamples(stopping.wav, asEspeakSays: "Stopping.", voice: "en", in: h.root)
        XCTAssertEqual(Utterances(h).all.count, 2, "only the start-up sentence and Stopping. were said")
    }

    /// `language = de`: the start-up sentence, a photo's error and a black photo's advice are
    /// German, spoken with the German voice, and reading uses German language data.
    func testGermanStartupAndPhotoSentences() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "all", "language": "de"])
        try h.start()
        let utterances = Utterances(h)
        let startup = try XCTUnwrap(utterances.next(), "no start-up sentence; log:\n\(h.currentLog)")
        XCTAssertEqual(startup.text, AnnouncerTests.startupGerman)
        try DescribeTests.assertSameSamples(startup.wav, asEspeakSays: startup.text, in: h.root, voice: "de")

        let events = try h.events()
        _ = try h.drop("kaputt.jpg", Data("kein Foto".utf8))
        let broken = try XCTUnwrap(utterances.next(), "no spoken error for a broken photo; log:\n\(h.currentLog)")
        XCTAssertEqual(broken.text, "Ich konnte das Foto kaputt.jpg nicht lesen.")
        try DescribeTests.assertSameSamples(broken.wav, asEspeakSays: broken.text, in: h.root, voice: "de")

        let covered = try Data(contentsOf: DaemonHarness.fixtures.appendingPathComponent("analysis/quality/juice-covered0_08.jpg"))
        _ = try h.drop("schwarz.jpg", covered)
        let described = try XCTUnwrap(events.next(.captioned, timeout: 30) { $0.photo == "schwarz.jpg" }, h.currentLog)
        let expected = "Das Foto ist schwarz, als wäre das Objektiv verdeckt. Prüfen Sie, ob etwas vor der Kamera ist, "
            + "und versuchen Sie es noch einmal. Ich habe in diesem Foto keinen Text gefunden, und es ist kein Modell "
            + "für Bildbeschreibungen installiert."
        XCTAssertEqual(described.text, expected)
        XCTAssertEqual(described.description?.quality?.problems.map(\.advice),
                       ["Das Foto ist schwarz, als wäre das Objektiv verdeckt. Prüfen Sie, ob etwas vor der Kamera ist, "
                        + "und versuchen Sie es noch einmal."])
        XCTAssertEqual(described.description?.text?.language, "deu")
        let spoken = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(spoken.text, expected)
        try DescribeTests.assertSameSamples(spoken.wav, asEspeakSays: expected, in: h.root, voice: "de")
        XCTAssertEqual(h.terminate(), 0)
        XCTAssertEqual(Utterances(h).all.last?.text, "Wird beendet.")
    }

    /// `announce = errors` says only what is wrong (and what to do); `none` says nothing of its
    /// own, while a photo's outcome is still spoken.
    func testAnnounceErrorsAndNone() throws {
        let errors = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "errors"])
        try errors.start()
        let startup = try XCTUnwrap(Utterances(errors).next(), errors.currentLog)
        XCTAssertEqual(startup.text, "Captions off: no captioning model is installed. To add one, run assist model install.")
        try DescribeTests.assertSameSamples(startup.wav, asEspeakSays: startup.text, in: errors.root)
        XCTAssertEqual(errors.terminate(), 0)
        XCTAssertEqual(Utterances(errors).all.map(\.text), [startup.text], "Stopping. is not an error")

        let none = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "none"])
        try none.start()
        let events = try none.events()
        _ = try none.drop("broken.jpg", Data("not a photo".utf8))
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { ($0.text ?? "").contains("broken.jpg") }, none.currentLog)
        XCTAssertEqual(Utterances(none).all.map(\.text), ["I could not read photo broken.jpg."],
                       "with announce = none only the photo's own outcome is spoken")
        XCTAssertEqual(none.terminate(), 0)
        XCTAssertEqual(Utterances(none).all.count, 1, "no Stopping. with announce = none")
    }

    func testAMissingWatchFolderIsSaidOnceWhenItBeginsAndOnceWhenItEnds() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "all"])
        try h.start()
        let utterances = Utterances(h)
        XCTAssertEqual(try XCTUnwrap(utterances.next(), h.currentLog).text, AnnouncerTests.startupEnglish)
        let events = try h.events()
        try FileManager.default.removeItem(atPath: h.inbox)
        XCTAssertNotNil(events.next(.folderLost, timeout: 20), h.currentLog)
        let began = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(began.text, "The photo folder inbox is missing, so photos put there are not described.")
        try DescribeTests.assertSameSamples(began.wav, asEspeakSays: began.text, in: h.root)
        let queued = try XCTUnwrap(events.all(.speechQueued).first { $0.text == began.text })
        XCTAssertEqual(queued.utteranceKind, .error, "a state that begins is an error: no caption supersedes it")

        try FileManager.default.createDirectory(atPath: h.inbox, withIntermediateDirectories: false)
        XCTAssertNotNil(events.next(.folderBack, timeout: 30), h.currentLog)
        let ended = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(ended.text, "The photo folder is back.")
        try AnnouncerTests.assertSameSamples(ended.wav, asEspeakSays: ended.text, voice: "en", in: h.root)

        // A photo described afterwards is the next utterance: nothing about the folder again.
        _ = try h.drop("after.jpg", Data("not a photo".utf8))
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { ($0.text ?? "").contains("after.jpg") }, h.currentLog)
        XCTAssertEqual(Utterances(h).all.map(\.text),
                       [AnnouncerTests.startupEnglish, began.text, ended.text, "I could not read photo after.jpg."])
        XCTAssertEqual(h.terminate(), 0)
    }

    /// A model that fails to load: said by the start-up sentence with what to do, and its end
    /// said once when a good checkpoint is put in its place (`reload_model`, as `assist model
    /// install` sends).
    func testAModelThatFailsToLoadIsSaidAtStartAndOnceWhenItWorksAgain() throws {
        let fixture = try XCTUnwrap(DaemonHarness.fixtureModel, "Tests/Fixtures/models/tiny-st is missing")
        let h = try DaemonHarness(config: ["announce": "all", "ocr_language": "none"])
        let model = h.root + "/vizwiz"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        try "{ not json".write(toFile: model + "/config.json", atomically: true, encoding: .utf8)
        try (try String(contentsOfFile: h.configPath, encoding: .utf8) + "model = \(model)\n")
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        try h.start()
        let utterances = Utterances(h)
        let startup = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(startup.text, "Ready. Captions off: the model vizwiz could not be loaded. Install it again with "
                       + "assist model install. Text reading off.")
        try DescribeTests.assertSameSamples(startup.wav, asEspeakSays: startup.text, in: h.root)

        let events = try h.events()
        let staged = h.root + "/staged"
        try FileManager.default.copyItem(atPath: fixture, toPath: staged)
        try FileManager.default.removeItem(atPath: model)
        try FileManager.default.moveItem(atPath: staged, toPath: model)
        let reload = try FrameConnection(path: h.socket).call(.reloadModel, timeout: 10)
        guard case .modelReload = reload.body else { return XCTFail("reload_model answered \(reload.body)") }
        XCTAssertNotNil(events.next(.modelLoaded, timeout: 60), h.currentLog)
        let ended = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(ended.text, "The captioning model works again. Captions on.")
        try DescribeTests.assertSameSamples(ended.wav, asEspeakSays: ended.text, in: h.root)
        XCTAssertEqual(h.terminate(), 0)
        XCTAssertEqual(Utterances(h).all.map(\.text), [startup.text, ended.text, "Stopping."])
    }

    /// A missing OCR language: said by the start-up sentence, its end said once when the data
    /// appears (SIGHUP), and a new missing language said once when it begins.
    func testAMissingOCRLanguageIsSaidOnceWhenItBeginsAndOnceWhenItEnds() throws {
        let h = try DaemonHarness(config: ["model": "/nonexistent/model", "announce": "all", "ocr_language": "deu"])
        let tessdata = h.root + "/tessdata"
        let system = "/usr/share/tesseract-ocr/5/tessdata"
        try FileManager.default.createDirectory(atPath: tessdata, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tessdata + "/eng.traineddata", withDestinationPath: system + "/eng.traineddata")
        h.extraEnvironment = ["TESSDATA_PREFIX": tessdata]
        try h.start()
        let utterances = Utterances(h)
        let startup = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(startup.text, "Ready. Captions off: no captioning model is installed. To add one, run assist model install. "
                       + "Text reading off: the language data for German is missing. Install its tesseract-ocr package.")
        try DescribeTests.assertSameSamples(startup.wav, asEspeakSays: startup.text, in: h.root)

        let events = try h.events()
        try FileManager.default.createSymbolicLink(atPath: tessdata + "/deu.traineddata", withDestinationPath: system + "/deu.traineddata")
        let pid = try XCTUnwrap(h.process).processIdentifier
        kill(pid, SIGHUP)
        XCTAssertNotNil(events.next(.configReloaded, timeout: 20), h.currentLog)
        let ended = try XCTUnwrap(utterances.next(), h.currentLog)
        XCTAssertEqual(ended.text, "I can read German text again.")
        try DescribeTests.assertSameSamples(ended.wav, asEspeakSays: ended.text, in: h.root)

        try (try String(contentsOfFile: h.configPath, encoding: .utf8) + "ocr_language = fra\n")
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        XCTAssertNotNil(events.next(.configReloaded, timeout: 20), h.currentLog)
        let began = try XCTUnwrap(utterances.next(), h.currentLog)
        // German stays readable-again (said once already); only French begins.
        XCTAssertEqual(began.text, "I cannot read French text: its language data is missing.")
        try DescribeTests.assertSameSamples(began.wav, asEspeakSays: began.text, in: h.root)
        // A reload that changes nothing says nothing.
        kill(pid, SIGHUP)
        XCTAssertNotNil(events.next(.configReloaded, timeout: 20), h.currentLog)
        _ = try h.drop("after.jpg", Data("not a photo".utf8))
        XCTAssertNotNil(events.next(.spoken, timeout: 20) { ($0.text ?? "").contains("after.jpg") }, h.currentLog)
        XCTAssertEqual(Utterances(h).all.map(\.text), [startup.text, ended.text, began.text, "I could not read photo after.jpg."])
        XCTAssertEqual(h.terminate(), 0)
    }

    /// Samples equal to `espeak-ng -w` for a short sentence (DescribeTests' helper asks for at
    /// least a second of speech).
    static func assertSameSamples(_ wav: String, asEspeakSays text: String, voice: String, in directory: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let cli = try AnnouncerTests.espeak(text, voice: voice, in: directory)
        let ours = try WavSamples(path: wav)
        XCTAssertEqual(ours.sampleRate, 22050, file: file, line: line)
        XCTAssertGreaterThan(cli.samples.count, 2205, "espeak-ng's rendering is implausibly short", file: file, line: line)
        XCTAssertEqual(ours.samples.count, cli.samples.count, "sample counts differ", file: file, line: line)
        XCTAssertTrue(ours.samples == cli.samples, "samples differ from espeak-ng -w for \"\(text)\"", file: file, line: line)
    }

    /// `espeak-ng -w` at the daemon's default voice settings.
    static func espeak(_ text: String, voice: String, in directory: String) throws -> WavSamples {
        let path = directory + "/cli-\(UUID().uuidString).wav"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/espeak-ng")
        p.arguments = ["-w", path, "-s", "175", "-p", "50", "-a", "100", "-v", voice, text]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "espeak-ng failed")
        return try WavSamples(path: path)
    }
}

/// The WAV sink's utterances in order (file names carry the time and utterance number), each
/// with the text file written beside it once the WAV is complete.
final class Utterances {
    let h: DaemonHarness
    private var seen = 0

    init(_ h: DaemonHarness) { self.h = h }

    var all: [(wav: String, text: String)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: h.wav)) ?? []).filter { $0.hasSuffix(".wav") }.sorted()
        return names.compactMap { name in
            let stem = h.wav + "/" + name.dropLast(4)
            guard let text = try? String(contentsOfFile: stem + ".txt", encoding: .utf8) else { return nil }
            return (stem + ".wav", text)
        }
    }

    func skip(_ n: Int) { seen += n }

    /// The next utterance not returned yet, waiting for its files.
    func next(timeout: Double = 20) -> (wav: String, text: String)? {
        var found: (wav: String, text: String)?
        let index = seen
        h.wait(timeout: timeout) {
            let all = self.all
            guard all.count > index else { return false }
            found = all[index]
            return true
        }
        if found != nil { seen += 1 }
        return found
    }
}

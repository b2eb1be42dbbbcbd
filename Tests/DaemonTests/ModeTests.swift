import Foundation
import XCTest
import Glibc
import IPC

/// Modes through the built daemon and client: `assist mode`, the mode in `status` and across a
/// restart, `caption --mode` for one photo, folder photos in the current mode, and the spoken
/// mode name in English and German.
final class ModeTests: XCTestCase {
    static let noModel = "/nonexistent/assist-test-model"

    func testModeIsSetShownInStatusKeptAcrossARestartAndUsedForFolderPhotos() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .describe, "the default mode")
        let shown = try h.client(["mode"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertEqual(shown.stdout, "describe\n")

        let events = try h.events()
        let set = try h.client(["mode", "colour"])
        XCTAssertEqual(set.status, 0, set.stderr)
        XCTAssertEqual(set.stdout, "colour\n")
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == "Mode: colour." }, "the new mode is said")
        let status = try h.client(["status"])
        XCTAssertTrue(status.stdout.contains("\nmode: colour\n"), status.stdout)
        let json = try h.client(["--json", "status"])
        let statusObject = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((statusObject["status"] as? [String: Any])?["mode"] as? String, "colour")

        // Unknown names: the client refuses them itself; the daemon too, naming the modes.
        let bad = try h.client(["mode", "purple"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("unknown mode 'purple'") && bad.stderr.contains("describe, text, product, colour, light"), bad.stderr)
        let raw = try FrameConnection(path: h.socket).call(.mode(name: "purple"), timeout: 10)
        guard case .failure(let e) = raw.body else { return XCTFail("purple was taken: \(raw.body)") }
        XCTAssertEqual(e.code, .modeInvalid)
        XCTAssertTrue(e.message.contains("purple"), e.message)
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .colour, "a refused name changes nothing")

        // A folder photo is described in the current mode.
        let red = try h.drop("red.jpg", try Data(contentsOf: URL(fileURLWithPath: Everyday.path("colours/patch-red-neutral.jpg"))))
        let described = try XCTUnwrap(events.next(.captioned, timeout: 60) { $0.photo == "red.jpg" }, h.currentLog)
        XCTAssertEqual(described.description?.mode, .colour)
        XCTAssertEqual(described.text, "Red.")
        XCTAssertEqual(h.waitForResult(red)?.state, "done")

        // `caption --mode` is for that photo only.
        let light = ModeAnswer(description: try h.describe(Everyday.path("colours/patch-red-neutral.jpg"), mode: "light"))
        XCTAssertEqual(light.mode, "light")
        XCTAssertNotNil(light.result["brightness"] as? Double)
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .colour)
        let badCaption = try h.client(["caption", "--mode", "sepia", Everyday.path("colours/patch-red-neutral.jpg")])
        XCTAssertEqual(badCaption.status, 2)
        XCTAssertTrue(badCaption.stderr.contains("unknown mode 'sepia'"), badCaption.stderr)

        // Kept across a restart, in the state directory.
        XCTAssertEqual(h.terminate(), 0)
        let saved = try String(contentsOfFile: h.state + "/mode.json", encoding: .utf8)
        XCTAssertTrue(saved.contains("colour"), saved)
        try h.start()
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .colour, "the mode survives a restart")
        XCTAssertEqual(try h.client(["mode", "describe"]).stdout, "describe\n")
        XCTAssertEqual(try h.client(["mode"]).stdout, "describe\n")
    }

    func testDamagedModeFileMeansDescribe() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try FileManager.default.createDirectory(atPath: h.state, withIntermediateDirectories: true)
        try Data("{\"mode\": \"sepia\"".utf8).write(to: URL(fileURLWithPath: h.state + "/mode.json"))
        try h.start()
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .describe)
        XCTAssertEqual(try h.client(["mode", "light"]).status, 0)
        XCTAssertEqual(h.waitForStatus(timeout: 10)?.mode, .light, "a damaged file is replaced by the next change")
    }

    func testGermanCatalogueSpeaksTheModeAnswers() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel, "language": "de"])
        try h.start()
        let events = try h.events()
        XCTAssertEqual(try h.client(["mode", "light"]).status, 0)
        XCTAssertNotNil(events.next(.spoken, timeout: 30) { $0.text == "Modus: Licht." }, "the mode name in German")
        let colour = ModeAnswer(description: try h.describe(Everyday.path("colours/mug-navy-neutral.jpg"), mode: "colour"))
        XCTAssertTrue(colour.message.hasPrefix("Überwiegend Marineblau") || colour.message.hasPrefix("Marineblau,"), colour.message)
        let dark = ModeAnswer(description: try h.describe(Everyday.path("colours/dark-0.jpg"), mode: "colour"))
        XCTAssertEqual(dark.message, "Es ist zu dunkel, um die Farbe zu erkennen. Schalten Sie ein Licht ein und versuchen Sie es noch einmal.")
        let edge = ModeAnswer(description: try h.describe(Everyday.path("codes/ean13-cutleft.jpg"), mode: "product"))
        XCTAssertEqual(edge.message, "Ein Strichcode ist am linken Rand; bewegen Sie die Kamera nach links.")
    }
}

@testable import AssistDaemon
import Devices
import Foundation
import XCTest

/// The keys branch's config keys: key devices, the key map, press times and the camera.
final class KeyConfigTests: XCTestCase {
    private func load(_ settings: [String]) throws -> DaemonConfig {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("assistd-keys-\(getpid()).conf").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let args = settings.flatMap { ["--set", $0] } + ["--config", empty]
        return try DaemonConfig.load(flags: DaemonConfig.Flags(args), environment: ["HOME": "/nonexistent"])
    }

    private func assertRefused(_ settings: [String], naming words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try load(settings), line: line) { error in
            for w in words { XCTAssertTrue("\(error)".contains(w), "'\(w)' not in: \(error)", line: line) }
        }
    }

    func testDefaultsHaveNoKeysAndAThreeShotCamera() throws {
        let c = try load(["state_dir=/var/lib/x"])
        XCTAssertNil(c.inputDevices)
        XCTAssertTrue(c.inputGrab)
        XCTAssertEqual(c.keyMap, KeyMap.defaults)
        XCTAssertEqual(c.pressTiming, PressTiming())
        XCTAssertNil(c.captureCommand)
        XCTAssertEqual(c.captureFrames, 3)
        XCTAssertEqual(c.captureTimeout, 10)
        XCTAssertFalse(c.keepCaptures)
        XCTAssertEqual(c.capturesDirectory, "/var/lib/x/captures")
    }

    func testKeysAndCameraAreRead() throws {
        let c = try load(["input_devices=/dev/input/event3, /dev/input/event4", "input_grab=no", "keys=none",
                          "key.BTN_0=describe, double: repeat", "key.KEY_KP8=volume_up", "long_press=2", "very_long_press=6",
                          "double_press_window=0.3", "capture_command=fswebcam --no-banner {out}", "capture_frames=1",
                          "capture_timeout=2.5", "keep_captures=yes", "capture_dir=/srv/caps"])
        XCTAssertEqual(c.inputDevices, .paths(["/dev/input/event3", "/dev/input/event4"]))
        XCTAssertFalse(c.inputGrab)
        XCTAssertEqual(c.keyMap.codes, [KeyCode(name: "BTN_0")!, KeyCode(name: "KEY_KP8")!])
        XCTAssertEqual(c.keyMap[KeyCode(name: "BTN_0")!]?.double, .repeat)
        XCTAssertEqual(c.pressTiming, PressTiming(doubleWindow: 0.3, long: 2, veryLong: 6))
        XCTAssertEqual(c.captureCommand?.arguments, ["fswebcam", "--no-banner", "{out}"])
        XCTAssertEqual([c.captureFrames, Int(c.captureTimeout * 10)], [1, 25])
        XCTAssertTrue(c.keepCaptures)
        XCTAssertEqual(c.capturesDirectory, "/srv/caps")
        XCTAssertEqual(try load(["input_devices=auto"]).inputDevices, .auto)
        XCTAssertNil(try load(["input_devices=auto", "input_devices=none"]).inputDevices)
    }

    func testBadValuesNameTheKey() {
        assertRefused(["input_devices=event3"], naming: ["input_devices", "event3"])
        assertRefused(["key.KEY_KP5=fly"], naming: ["key.KEY_KP5", "fly"])
        assertRefused(["key.KEY_NOPE=stop"], naming: ["key.KEY_NOPE"])
        assertRefused(["keys=some"], naming: ["keys", "defaults or none"])
        assertRefused(["capture_frames=11"], naming: ["capture_frames", "1...10"])
        assertRefused(["capture_timeout=0"], naming: ["capture_timeout"])
        assertRefused(["capture_command=rpicam-still -o photo.jpg"], naming: ["capture_command", "{out}"])
        assertRefused(["keep_captures=maybe"], naming: ["keep_captures"])
        assertRefused(["long_press=3", "very_long_press=2"], naming: ["very_long_press", "longer than the long-press"])
    }
}

import XCTest
@testable import Devices

/// `KeySource` reading FIFOs of `input_event` records, as it reads /dev/input/event*.
final class KeySourceTests: XCTestCase {
    /// A source on `paths` (or auto over `directory`) with the default map and timing.
    func start(_ devices: KeySourceConfiguration.Devices, directory: String, log: EventLog,
               rescan: TimeInterval = 60) throws -> KeySource {
        let source = KeySource(configuration: KeySourceConfiguration(devices: devices, directory: directory,
                                                                     rescanInterval: rescan),
                               handler: log.handler)
        try source.start()
        addTeardownBlock { source.stop() }
        return source
    }

    func testPressesByTheirTimestamps() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/button"
        try FakeKeyDevice.makeFIFO(path)
        let log = EventLog()
        _ = try start(.paths([path]), directory: dir, log: log)
        XCTAssertEqual(log.all, [.deviceOpened(path: path, name: "button", keys: nil, again: false)],
                       "start reports the devices it opened before returning")
        let device = try FakeKeyDevice(path: path)

        // A short press: down at once, the press once the double window (0.4 s) has passed.
        let sent = DispatchTime.now().uptimeNanoseconds
        device.send(FakeKeyDevice.tap(.button0, at: 1000, held: 0.1))
        let down = try XCTUnwrap(log.wait { $0.isKeyDown })
        XCTAssertEqual(down.event, .keyDown(.button0, time: 1000, device: path))
        let short = try XCTUnwrap(log.wait { $0.press != nil })
        XCTAssertEqual(short.event.press, KeyPress(code: .button0, kind: .short, pressedAt: 1000, releasedAt: 1000.1))
        let downMs = Double(down.at - sent) / 1e6, shortMs = Double(short.at - sent) / 1e6
        print("key down reported after \(String(format: "%.1f", downMs)) ms, short press after \(String(format: "%.1f", shortMs)) ms")
        XCTAssertLessThan(downMs, 100, "the key-down (earcon, stop) must come within 100 ms")
        XCTAssertGreaterThanOrEqual(shortMs, 400, "a short press waits for the double-press window")

        // Long, very long and double presses are written at once: only the timestamps say how
        // long the key was held, and no real second passes.
        var n = log.count
        let begun = DispatchTime.now().uptimeNanoseconds
        var events = [InputEvent.key(0x100, 1, at: 2000)]
        events += stride(from: 2000.25, to: 2001.5, by: 0.033).map { InputEvent.key(0x100, 2, at: $0) }
        events.append(.key(0x100, 0, at: 2001.5))
        device.send(events)
        XCTAssertEqual(log.wait(after: n) { $0.press != nil }?.event.press?.kind, .long)
        XCTAssertLessThan(Double(DispatchTime.now().uptimeNanoseconds - begun) / 1e9, 0.5,
                          "a long press is judged by its timestamps, not by waiting")

        n = log.count
        device.send(FakeKeyDevice.tap(.button0, at: 3000, held: 6))
        XCTAssertEqual(log.wait(after: n) { $0.press != nil }?.event.press,
                       KeyPress(code: .button0, kind: .veryLong, pressedAt: 3000, releasedAt: 3006))

        n = log.count
        device.send(FakeKeyDevice.tap(.button0, at: 4000, held: 0.08) + FakeKeyDevice.tap(.button0, at: 4000.3, held: 0.08))
        XCTAssertEqual(log.wait(after: n) { $0.press != nil }?.event.press,
                       KeyPress(code: .button0, kind: .double, pressedAt: 4000, releasedAt: 4000.38))
        XCTAssertEqual(log.all.dropFirst(n).filter(\.isKeyDown).count, 2, "each press of a double is a key-down")
    }

    func testRecordsSplitAcrossWritesAndTwoPressesInOneWrite() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/keypad"
        try FakeKeyDevice.makeFIFO(path)
        let log = EventLog()
        _ = try start(.paths([path]), directory: dir, log: log)
        let device = try FakeKeyDevice(path: path)
        // KP8 has no double action: reported at its release.
        let bytes = (FakeKeyDevice.tap(.keypad8, at: 10, held: 0.05) + FakeKeyDevice.tap(.keypad2, at: 11, held: 0.05))
            .flatMap(\.record)
        device.sendBytes(bytes[0..<30])
        device.sendBytes(bytes[30..<61])
        device.sendBytes(bytes[61...])
        log.wait { $0.press?.code == .keypad2 }
        XCTAssertEqual(log.all.compactMap(\.press).map(\.code), [.keypad8, .keypad2])
    }

    func testHotPlugInAutoModeAndAVanishedDeviceReopened() throws {
        let dir = try makeTemporaryDirectory(self)
        let log = EventLog()
        _ = try start(.auto, directory: dir, log: log)
        XCTAssertEqual(log.all, [], "an empty device directory has nothing to open")

        // Names auto does not open.
        try FakeKeyDevice.makeFIFO(dir + "/mouse0")
        try FakeKeyDevice.makeFIFO(dir + "/.event9")
        let path = dir + "/event3"
        try FakeKeyDevice.makeFIFO(path)
        XCTAssertEqual(log.wait { $0.openedPath != nil }?.event, .deviceOpened(path: path, name: "event3", keys: nil, again: false))
        try FakeKeyDevice(path: path).send(FakeKeyDevice.tap(.enter, at: 50, held: 1.5))
        XCTAssertEqual(log.wait { $0.press != nil }?.event, .press(KeyPress(code: .enter, kind: .long, pressedAt: 50, releasedAt: 51.5), device: path))

        // Unplugged: reported once.
        var n = log.count
        XCTAssertEqual(unlink(path), 0)
        XCTAssertEqual(log.wait(after: n) { $0.lostPath != nil }?.event, .deviceLost(path: path, reason: "it was removed"))

        // Plugged in again: opened again, and its keys work.
        n = log.count
        try FakeKeyDevice.makeFIFO(path)
        XCTAssertEqual(log.wait(after: n) { $0.openedPath != nil }?.event, .deviceOpened(path: path, name: "event3", keys: nil, again: true))
        try FakeKeyDevice(path: path).send(FakeKeyDevice.tap(.keypad0, at: 60, held: 0.05))
        XCTAssertEqual(log.wait(after: n) { $0.press != nil }?.event.press?.code, .keypad0)

        XCTAssertEqual(log.all.compactMap(\.lostPath), [path], "one loss, reported once")
        XCTAssertEqual(log.all.compactMap(\.openedPath), [path, path], "mouse0 and .event9 are not key devices for auto")
    }

    func testMissingConfiguredDeviceIsReportedOnceAndOpenedWhenItAppears() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/gpio-button"
        let log = EventLog()
        // A rescan every 50 ms must not repeat the report.
        _ = try start(.paths([path]), directory: dir, log: log, rescan: 0.05)
        XCTAssertEqual(log.all, [.deviceUnusable(path: path, reason: "No such file or directory")])
        // Something else appearing in the directory wakes the source; still nothing new to say.
        try FakeKeyDevice.makeFIFO(dir + "/other")
        try FakeKeyDevice.makeFIFO(path)
        XCTAssertEqual(log.wait { $0.openedPath != nil }?.event, .deviceOpened(path: path, name: "gpio-button", keys: nil, again: false))
        XCTAssertEqual(log.all.count, 2, "\(log.all)")
    }

    func testADeviceDirectoryThatAppearsLaterAndIsRemovedWithItsDevice() throws {
        let parent = try makeTemporaryDirectory(self)
        let dir = parent + "/input"
        let log = EventLog()
        // No /dev/input yet (no input driver loaded): the rescan keeps looking for it.
        _ = try start(.auto, directory: dir, log: log, rescan: 0.05)
        XCTAssertEqual(log.all, [])
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try FakeKeyDevice.makeFIFO(dir + "/event0")
        XCTAssertEqual(log.wait { $0.openedPath != nil }?.event.openedPath, dir + "/event0")
        try FakeKeyDevice(path: dir + "/event0").send(FakeKeyDevice.tap(.space, at: 1, held: 0.02))
        log.wait { $0.press?.code == .space }

        let n = log.count
        try FileManager.default.removeItem(atPath: dir)
        XCTAssertEqual(log.wait(after: n) { $0.lostPath != nil }?.event.lostPath, dir + "/event0")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        try FakeKeyDevice.makeFIFO(dir + "/event0")
        XCTAssertEqual(log.wait(after: n) { $0.openedPath != nil }?.event,
                       .deviceOpened(path: dir + "/event0", name: "event0", keys: nil, again: true))
        XCTAssertEqual(log.all.compactMap(\.lostPath).count, 1)
    }

    func testARegularFileOfRecordsIsReadToItsEnd() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/recorded"
        let events = FakeKeyDevice.tap(.keypad8, at: 1, held: 0.05) + FakeKeyDevice.tap(.keypad6, at: 2, held: 0.05)
            + FakeKeyDevice.tap(.keypad4, at: 3, held: 2)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(events.flatMap(\.record))))
        let log = EventLog()
        _ = try start(.paths([path]), directory: dir, log: log)
        log.wait { $0.press?.code == .keypad4 }
        XCTAssertEqual(log.all.compactMap(\.press).map(\.kind), [.short, .short, .long])
        XCTAssertTrue(log.all.compactMap(\.lostPath).isEmpty, "the end of a file is not a lost device")
    }

    func testStartRejectsBadTimingAndASecondStart() throws {
        let dir = try makeTemporaryDirectory(self)
        let bad = KeySource(configuration: KeySourceConfiguration(devices: .auto, directory: dir,
                                                                  timing: PressTiming(long: 2, veryLong: 1)),
                            handler: { _ in })
        XCTAssertThrowsError(try bad.start()) { error in
            XCTAssertEqual(error as? KeySourceError, .badTiming("the very-long-press time must be longer than the long-press time"))
        }
        let log = EventLog()
        let source = try start(.auto, directory: dir, log: log)
        XCTAssertThrowsError(try source.start()) { XCTAssertEqual($0 as? KeySourceError, .alreadyStarted) }
        source.stop()
        source.stop()
    }

    func testInputDevicesConfigValue() {
        XCTAssertEqual(KeySourceConfiguration.Devices(configValue: "auto"), .auto)
        XCTAssertEqual(KeySourceConfiguration.Devices(configValue: "/dev/input/event0, /dev/input/by-id/usb-keypad"),
                       .paths(["/dev/input/event0", "/dev/input/by-id/usb-keypad"]))
        XCTAssertNil(KeySourceConfiguration.Devices(configValue: "event0"))
        XCTAssertNil(KeySourceConfiguration.Devices(configValue: ""))
    }

    func testEvdevKeyBitmask() {
        var bits = [UInt8](repeating: 0, count: 96)
        bits[28 / 8] |= 1 << (28 % 8)        // KEY_ENTER
        bits[0x100 / 8] |= 1 << (0x100 % 8)  // BTN_0
        bits[0x2ff / 8] |= 1 << (0x2ff % 8)  // KEY_MAX
        XCTAssertEqual(InputDevice.codes(inBitmask: bits), [.enter, .button0, KeyCode(0x2ff)])
    }
}

import XCTest
@testable import Devices

/// Press classification by the events' own timestamps (no clock, no I/O).
final class PressClassifierTests: XCTestCase {
    let enter = KeyCode.enter

    func classifier(double: Bool = true) -> PressClassifier {
        PressClassifier(timing: PressTiming(doubleWindow: 0.4, long: 1, veryLong: 5), hasDoubleAction: { _ in double })
    }

    /// Feeds press/release pairs (with EV_SYN after each event) and returns what came out.
    func feed(_ c: inout PressClassifier, _ events: [(KeyCode, Int32, TimeInterval)]) -> [PressClassifier.Output] {
        events.flatMap { code, value, t in c.feed(.key(code.rawValue, value, at: t)) + c.feed(.sync(at: t)) }
    }

    func testShortPressWaitsForTheDoubleWindowThenExpires() {
        var c = classifier()
        let out = feed(&c, [(enter, 1, 100.0), (enter, 0, 100.12)])
        XCTAssertEqual(out, [.down(enter, time: 100.0)], "the press is known at once; its kind after the window")
        XCTAssertEqual(c.waitingSince, 100.12)
        XCTAssertEqual(c.expire(), [.press(KeyPress(code: enter, kind: .short, pressedAt: 100.0, releasedAt: 100.12))])
        XCTAssertNil(c.waitingSince)
        XCTAssertEqual(c.expire(), [])
    }

    func testShortPressOfAKeyWithoutDoubleActionIsReportedAtRelease() {
        var c = classifier(double: false)
        let out = feed(&c, [(enter, 1, 5.0), (enter, 0, 5.05)])
        XCTAssertEqual(out, [.down(enter, time: 5.0), .press(KeyPress(code: enter, kind: .short, pressedAt: 5.0, releasedAt: 5.05))])
    }

    func testALaterEventPastTheWindowReportsTheShortPressByTimestamps() {
        var c = classifier()
        let out = feed(&c, [(enter, 1, 0.0), (enter, 0, 0.1), (enter, 1, 0.6), (enter, 0, 0.7)])
        XCTAssertEqual(out, [.down(enter, time: 0.0),
                             .press(KeyPress(code: enter, kind: .short, pressedAt: 0.0, releasedAt: 0.1)),
                             .down(enter, time: 0.6)])
        XCTAssertEqual(c.expire(), [.press(KeyPress(code: enter, kind: .short, pressedAt: 0.6, releasedAt: 0.7))])
    }

    func testDoublePress() {
        var c = classifier()
        let out = feed(&c, [(enter, 1, 10.0), (enter, 0, 10.1), (enter, 1, 10.45), (enter, 0, 10.55)])
        XCTAssertEqual(out, [.down(enter, time: 10.0), .down(enter, time: 10.45),
                             .press(KeyPress(code: enter, kind: .double, pressedAt: 10.0, releasedAt: 10.55))])
        XCTAssertEqual(c.expire(), [], "nothing is left waiting")
    }

    func testLongAndVeryLongPressesWithAutorepeat() {
        var c = classifier()
        var events: [(KeyCode, Int32, TimeInterval)] = [(enter, 1, 0)]
        // The kernel repeats a held key every 33 ms after 250 ms.
        events += stride(from: 0.25, to: 1.2, by: 0.033).map { (enter, 2, $0) }
        events.append((enter, 0, 1.2))
        XCTAssertEqual(feed(&c, events), [.down(enter, time: 0), .press(KeyPress(code: enter, kind: .long, pressedAt: 0, releasedAt: 1.2))])

        events = [(enter, 1, 20)] + stride(from: 20.25, to: 26, by: 0.033).map { (enter, 2, $0) } + [(enter, 0, 26)]
        XCTAssertEqual(feed(&c, events), [.down(enter, time: 20), .press(KeyPress(code: enter, kind: .veryLong, pressedAt: 20, releasedAt: 26))])
    }

    func testThresholdsAreInclusive() {
        var c = classifier()
        XCTAssertEqual(feed(&c, [(enter, 1, 0), (enter, 0, 1.0)]).last,
                       .press(KeyPress(code: enter, kind: .long, pressedAt: 0, releasedAt: 1.0)))
        XCTAssertEqual(feed(&c, [(enter, 1, 2), (enter, 0, 7.0)]).last,
                       .press(KeyPress(code: enter, kind: .veryLong, pressedAt: 2, releasedAt: 7.0)))
        XCTAssertEqual(feed(&c, [(enter, 1, 10), (enter, 0, 10.999)]), [.down(enter, time: 10)])
    }

    func testAnotherKeyEndsTheWaitOfTheFirst() {
        var c = classifier()
        let kp8 = KeyCode.keypad8
        let out = feed(&c, [(enter, 1, 0), (enter, 0, 0.1), (kp8, 1, 0.2), (kp8, 0, 0.3)])
        XCTAssertEqual(out, [.down(enter, time: 0), .down(kp8, time: 0.2),
                             .press(KeyPress(code: enter, kind: .short, pressedAt: 0, releasedAt: 0.1))])
        XCTAssertEqual(c.expire(), [.press(KeyPress(code: kp8, kind: .short, pressedAt: 0.2, releasedAt: 0.3))])
    }

    func testReleaseWithoutPressAndRepeatedDownAreIgnored() {
        var c = classifier(double: false)
        XCTAssertEqual(feed(&c, [(enter, 0, 1)]), [])
        XCTAssertEqual(feed(&c, [(enter, 1, 2), (enter, 1, 2.5), (enter, 0, 3.5)]),
                       [.down(enter, time: 2), .press(KeyPress(code: enter, kind: .long, pressedAt: 2, releasedAt: 3.5))])
    }

    func testLostDeviceForgetsHeldKeysButKeepsACompletedPress() {
        var c = classifier()
        // Space is held while Enter is tapped; then the device goes away.
        XCTAssertEqual(feed(&c, [(KeyCode.space, 1, 0), (enter, 1, 0.1), (enter, 0, 0.2)]),
                       [.down(.space, time: 0), .down(enter, time: 0.1)])
        XCTAssertEqual(c.deviceLost(), [.press(KeyPress(code: enter, kind: .short, pressedAt: 0.1, releasedAt: 0.2))])
        XCTAssertEqual(feed(&c, [(KeyCode.space, 0, 3)]), [], "the held key's release after a reconnect is not a press")
    }

    func testDroppedEventsForgetHeldKeysAndSkipTheBrokenBatch() {
        var c = classifier(double: false)
        XCTAssertEqual(feed(&c, [(enter, 1, 0)]), [.down(enter, time: 0)])
        // The kernel's buffer overflowed: the release of Enter may be lost.
        let dropped = InputEvent(time: 0.5, type: InputEvent.synchronization, code: InputEvent.droppedCode, value: 0)
        XCTAssertEqual(c.feed(dropped), [])
        // The rest of that batch (up to SYN_REPORT) is skipped.
        XCTAssertEqual(c.feed(.key(KeyCode.space.rawValue, 1, at: 0.6)), [])
        XCTAssertEqual(c.feed(.sync(at: 0.6)), [])
        // Enter's release now belongs to no known press: no made-up long press.
        XCTAssertEqual(feed(&c, [(enter, 0, 3)]), [])
        // Later presses work again.
        XCTAssertEqual(feed(&c, [(enter, 1, 4), (enter, 0, 4.1)]),
                       [.down(enter, time: 4), .press(KeyPress(code: enter, kind: .short, pressedAt: 4, releasedAt: 4.1))])
    }

    func testRecordsRoundTrip() {
        let e = InputEvent.key(28, 1, at: 1_733_300_000.123456)
        let record = e.record
        XCTAssertEqual(record.count, 24)
        let back = record.withUnsafeBytes { InputEvent(record: $0) }
        XCTAssertEqual(back.type, 1)
        XCTAssertEqual(back.code, 28)
        XCTAssertEqual(back.value, 1)
        XCTAssertEqual(back.time, e.time, accuracy: 1e-6)
        // struct input_event: tv_sec, tv_usec, type, code, value, little-endian.
        XCTAssertEqual(Array(record[16..<24]), [1, 0, 28, 0, 1, 0, 0, 0])
        XCTAssertEqual(Array(record[8..<16]), [0x40, 0xE2, 0x01, 0, 0, 0, 0, 0]) // 123456 us
    }
}

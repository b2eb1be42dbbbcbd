import Foundation
import XCTest
@testable import Devices

/// Records a `KeySource`'s events and lets a test wait until one matches, woken by each event
/// (never by polling or sleeping).
final class EventLog: @unchecked Sendable {
    // NSCondition guards `events`; @unchecked because NSCondition is not Sendable in
    // swift-corelibs-foundation.
    private let condition = NSCondition()
    private var events: [(event: KeySourceEvent, at: UInt64)] = []

    var handler: @Sendable (KeySourceEvent) -> Void {
        { [self] event in
            condition.lock()
            events.append((event, DispatchTime.now().uptimeNanoseconds))
            condition.broadcast()
            condition.unlock()
        }
    }

    var all: [KeySourceEvent] {
        condition.lock()
        defer { condition.unlock() }
        return events.map(\.event)
    }

    /// Waits until an event after the first `after` matches; returns it with its arrival time.
    @discardableResult
    func wait(after: Int = 0, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line,
              _ matches: (KeySourceEvent) -> Bool) -> (event: KeySourceEvent, at: UInt64)? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let found = events.dropFirst(after).first(where: { matches($0.event) }) { return found }
            if !condition.wait(until: deadline) {
                XCTFail("no matching event within \(timeout) s; got \(events.map(\.event))", file: file, line: line)
                return nil
            }
        }
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return events.count
    }
}

/// A temporary directory removed at the end of the test.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "assist-devices-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// The writing end of a FIFO that stands in for an input device.
final class FakeKeyDevice {
    let path: String
    private let fd: Int32

    /// Opens `path` (a FIFO the key source has opened already) for writing.
    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw NSError(domain: "FakeKeyDevice", code: Int(errno)) }
    }

    deinit { close(fd) }

    static func makeFIFO(_ path: String) throws {
        guard mkfifo(path, 0o600) == 0 else { throw NSError(domain: "mkfifo \(path)", code: Int(errno)) }
    }

    /// Writes each event followed by EV_SYN, as a device does, in one write.
    func send(_ events: [InputEvent]) {
        let bytes = events.flatMap { $0.record + InputEvent.sync(at: $0.time).record }
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        XCTAssertEqual(n, bytes.count)
    }

    /// Writes raw bytes (to split records across writes).
    func sendBytes(_ bytes: ArraySlice<UInt8>) {
        let n = Array(bytes).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        XCTAssertEqual(n, bytes.count)
    }

    /// A press and its release `held` seconds later, by timestamps starting at `at`.
    static func tap(_ code: KeyCode, at: TimeInterval, held: TimeInterval) -> [InputEvent] {
        [.key(code.rawValue, 1, at: at), .key(code.rawValue, 0, at: at + held)]
    }
}

extension KeySourceEvent {
    var press: KeyPress? { if case .press(let p, _) = self { return p }; return nil }
    var isKeyDown: Bool { if case .keyDown = self { return true }; return false }
    var openedPath: String? { if case .deviceOpened(let p, _, _, _) = self { return p }; return nil }
    var lostPath: String? { if case .deviceLost(let p, _) = self { return p }; return nil }
}

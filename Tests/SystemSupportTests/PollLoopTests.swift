import Dispatch
import Foundation
import Glibc
import SystemSupport
import XCTest

/// The poll loop on its own thread, driven through real pipes and its wake pipe.
final class PollLoopTests: XCTestCase {
    /// What the loop thread saw, and the requests the test thread leaves for it.
    private final class Shared: Sendable {
        let seen = Locked<[String]>([])
        let requests = Locked<[String]>([])
        let changed = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)

        func note(_ line: String) {
            seen.withLock { $0.append(line) }
            changed.signal()
        }

        /// Waits until `line` has been seen (each note wakes this up once).
        func waitFor(_ line: String, timeout: Double = 10) -> Bool {
            let deadline = DispatchTime.now() + timeout
            while !seen.withLock({ $0.contains(line) }) {
                if changed.wait(timeout: deadline) == .timedOut { return false }
            }
            return true
        }
    }

    private func pipePair() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        return (fds[0], fds[1])
    }

    func testHandlersWakeUpsDeadlinesAndStop() throws {
        let waker = try PollLoop.Waker()
        let shared = Shared()
        let (r, w) = pipePair()
        defer { close(r); close(w) }
        let thread = Thread {
            let loop = PollLoop(waker: waker)
            loop.watch(r, events: Int16(POLLIN)) { revents in
                var byte: UInt8 = 0
                _ = read(r, &byte, 1)
                shared.note("read \(byte) revents \(revents & Int16(POLLIN) != 0 ? "in" : "?")")
            }
            var timer: Date?
            do {
                try loop.run {
                    for request in shared.requests.withLock({ r in defer { r.removeAll() }; return r }) {
                        switch request {
                        case "stop": loop.stop()
                        case "timer": timer = Date().addingTimeInterval(0.05)
                        default: shared.note("woken for \(request)")
                        }
                    }
                    if let at = timer, Date() >= at {
                        timer = nil
                        shared.note("timer fired")
                    }
                    return timer
                }
                shared.note("returned")
            } catch {
                shared.note("failed: \(error)")
            }
            shared.finished.signal()
        }
        thread.start()

        var byte: UInt8 = 42
        XCTAssertEqual(write(w, &byte, 1), 1)
        XCTAssertTrue(shared.waitFor("read 42 revents in"))

        shared.requests.withLock { $0.append("hello") }
        waker.wake()
        XCTAssertTrue(shared.waitFor("woken for hello"))

        // The timer is armed by one round and fires in a later one that nothing else wakes.
        shared.requests.withLock { $0.append("timer") }
        waker.wake()
        XCTAssertTrue(shared.waitFor("timer fired"))

        shared.requests.withLock { $0.append("stop") }
        waker.wake()
        XCTAssertEqual(shared.finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(shared.seen.withLock { $0.last }, "returned")
    }

    func testADescriptorUnwatchedDuringARoundIsNotCalledForIt() throws {
        let waker = try PollLoop.Waker()
        let shared = Shared()
        let first = pipePair(), second = pipePair()
        defer { [first.read, first.write, second.read, second.write].forEach { close($0) } }
        var byte: UInt8 = 1
        // Both are readable before the loop starts, so both are ready in its first round.
        XCTAssertEqual(write(first.write, &byte, 1), 1)
        XCTAssertEqual(write(second.write, &byte, 1), 1)
        let thread = Thread {
            let loop = PollLoop(waker: waker)
            loop.watch(first.read, events: Int16(POLLIN)) { _ in
                var b: UInt8 = 0
                _ = read(first.read, &b, 1)
                loop.unwatch(second.read)
                shared.note("first")
                loop.stop()
            }
            loop.watch(second.read, events: Int16(POLLIN)) { _ in shared.note("second") }
            try? loop.run { nil }
            shared.finished.signal()
        }
        thread.start()
        XCTAssertEqual(shared.finished.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(shared.seen.withLock { $0 }, ["first"])
    }

    func testMillisecondsRoundUpPastTheDeadline() {
        XCTAssertEqual(PollLoop.milliseconds(until: nil), -1)
        XCTAssertEqual(PollLoop.milliseconds(until: Date().addingTimeInterval(-5)), 0)
        let ms = PollLoop.milliseconds(until: Date().addingTimeInterval(0.25))
        XCTAssertTrue((240...252).contains(ms), "\(ms)")
        XCTAssertEqual(PollLoop.milliseconds(until: Date().addingTimeInterval(86400)), 3_600_000)
    }
}

import Foundation
import XCTest
@testable import Speech

/// The working tick's schedule: not before the delay, then at the interval, nothing after stop.
final class WorkingTickerTests: XCTestCase {
    /// Tick times (monotonic seconds) of one ticker, with a wait woken by each tick.
    final class Ticks: @unchecked Sendable {
        // NSCondition guards `times` (it is not Sendable in swift-corelibs-foundation).
        private let condition = NSCondition()
        private var times: [Double] = []

        func record() {
            condition.lock()
            times.append(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
            condition.broadcast()
            condition.unlock()
        }

        var all: [Double] {
            condition.lock()
            defer { condition.unlock() }
            return times
        }

        func wait(count: Int, timeout: TimeInterval = 5) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            condition.lock()
            defer { condition.unlock() }
            while times.count < count {
                if !condition.wait(until: deadline) { return false }
            }
            return true
        }
    }

    func testTicksStartAfterTheDelayRepeatAndStop() {
        let ticks = Ticks()
        let ticker = WorkingTicker(delay: 0.3, interval: 0.1) { ticks.record() }
        let started = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        ticker.start()
        XCTAssertTrue(ticker.isRunning)
        XCTAssertTrue(ticks.wait(count: 3))
        ticker.stop()
        XCTAssertFalse(ticker.isRunning)
        let stoppedAt = ticks.all.count
        let t = ticks.all
        print("working ticks at \(t.map { String(format: "%.3f", $0 - started) }) s after start")
        // Tick k comes no sooner than delay + k intervals (a late tick does not move the rest).
        for (k, time) in t.enumerated() {
            XCTAssertGreaterThanOrEqual(time - started, 0.3 + Double(k) * 0.1 - 0.01, "tick \(k) came early")
        }

        // A second ticker is the clock: by its first tick (0.35 s), a still-running first
        // ticker would have ticked three more times.
        let clock = Ticks()
        let reference = WorkingTicker(delay: 0.35, interval: 10) { clock.record() }
        reference.start()
        XCTAssertTrue(clock.wait(count: 1))
        reference.stop()
        XCTAssertEqual(ticks.all.count, stoppedAt, "no tick after stop returned")
    }

    func testStoppedBeforeTheDelayNeverTicksAndRestartStartsOver() {
        let ticks = Ticks()
        let ticker = WorkingTicker(delay: 0.2, interval: 0.05) { ticks.record() }
        ticker.start()
        ticker.stop()
        let clock = Ticks()
        let reference = WorkingTicker(delay: 0.3, interval: 10) { clock.record() }
        reference.start()
        XCTAssertTrue(clock.wait(count: 1))
        XCTAssertEqual(ticks.all, [], "a description that finished quickly has no tick")

        let restarted = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        ticker.start()
        XCTAssertTrue(ticks.wait(count: 1))
        ticker.stop()
        reference.stop()
        XCTAssertGreaterThanOrEqual(ticks.all[0] - restarted, 0.2 - 0.01)
    }
}

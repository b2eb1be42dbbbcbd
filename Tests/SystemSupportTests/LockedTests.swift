import Foundation
import SystemSupport
import XCTest

/// `Locked` serializes its critical sections: increments from several threads all count, and a
/// value set under the lock by one thread is what the next holder sees.
final class LockedTests: XCTestCase {
    private final class Counter: Sendable {
        let state = Locked((count: 0, last: -1))
    }

    func testCriticalSectionsFromSeveralThreadsDoNotLoseUpdates() {
        let counter = Counter()
        let threads = 4, rounds = 20_000
        let done = DispatchSemaphore(value: 0)
        for t in 0..<threads {
            Thread {
                for _ in 0..<rounds {
                    counter.state.withLock {
                        $0.count += 1
                        $0.last = t
                    }
                }
                done.signal()
            }.start()
        }
        for _ in 0..<threads { XCTAssertEqual(done.wait(timeout: .now() + 60), .success) }
        let (count, last) = counter.state.withLock { ($0.count, $0.last) }
        XCTAssertEqual(count, threads * rounds)
        XCTAssertTrue((0..<threads).contains(last))
    }

    func testErrorsThrownInsideTheLockReachTheCaller() {
        struct Refused: Error, Equatable {}
        let state = Locked(1)
        XCTAssertThrowsError(try state.withLock { (value: inout Int) throws(Refused) -> Int in
            value = 2
            throw Refused()
        }) { XCTAssertEqual($0 as? Refused, Refused()) }
        XCTAssertEqual(state.withLock { $0 }, 2, "a change made before the throw stays")
    }
}

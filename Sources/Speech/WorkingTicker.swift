import Dispatch
import Foundation
import Synchronization

/// Calls `tick` after `delay`, then every `interval`, until stopped: the schedule of the soft
/// "working" earcon while a description takes long (`Earcon.working`).
///
/// Ticks run on a private serial queue, and `stop` waits for a tick in progress, so no tick
/// starts after `stop` returns. `start` while running starts the schedule over.
public final class WorkingTicker: Sendable {
    private struct State {
        /// Bumped by every start and stop; a timer whose generation is not current is stale.
        var generation = 0
        var running = false
    }

    public let delay: TimeInterval
    public let interval: TimeInterval
    private let tick: @Sendable () -> Void
    private let queue = DispatchQueue(label: "assist.working-ticker")
    private let state = Mutex(State())

    public init(delay: TimeInterval = Earcon.workingDelay, interval: TimeInterval = Earcon.workingInterval,
                tick: @escaping @Sendable () -> Void) {
        self.delay = delay
        self.interval = interval
        self.tick = tick
    }

    // Not `stop()`: the last reference may go inside a tick, on the queue `stop` syncs with.
    deinit { state.withLock { $0.generation += 1 } }

    /// (Re)starts the schedule: the first tick `delay` from now.
    public func start() {
        queue.sync {
            let mine = state.withLock { s -> Int in
                s.generation += 1
                s.running = true
                return s.generation
            }
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + delay, repeating: interval, leeway: .milliseconds(5))
            // The handler holds the timer until it finds itself stale and cancels.
            timer.setEventHandler { [weak self, timer] in
                guard let self, self.state.withLock({ $0.generation == mine }) else {
                    timer.cancel()
                    return
                }
                self.tick()
            }
            timer.resume()
        }
    }

    /// Stops the ticks; none starts after this returns.
    public func stop() {
        queue.sync {
            state.withLock { s in
                s.generation += 1
                s.running = false
            }
        }
    }

    /// Whether ticks are scheduled.
    public var isRunning: Bool { state.withLock { $0.running } }
}

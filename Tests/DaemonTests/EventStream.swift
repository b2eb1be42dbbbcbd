import Foundation
import IPC
import SystemSupport

/// A subscription to a running daemon's event stream (`events`): the tests wait on these, never
/// on log text. A thread reads the socket from the moment of subscription, so a burst of events
/// never backs up in the daemon; subscribe before the action whose events you wait for.
// Unchecked: `connection` is used only by the reader thread once `init` returns; the rest is in mutexes.
final class EventStream: @unchecked Sendable {
    private struct State {
        var seen: [Event] = []
        var closed = false
    }

    private let connection: FrameConnection
    private let state = Locked(State())
    /// Signalled for each event read and when the stream ends.
    private let arrived = DispatchSemaphore(value: 0)
    private let cursor = Locked(0)

    init(socket: String) throws {
        let c = try FrameConnection(path: socket)
        let r = try c.call(.events, timeout: 10)
        guard case .subscribed = r.body else { throw UnixSocketError.closed }
        connection = c
        let t = Thread { [self] in read() }
        t.start()
    }

    private func read() {
        while true {
            guard let r = try? connection.receive(timeout: 3600) else { break }
            if case .event(let e) = r.body {
                state.withLock { $0.seen.append(e) }
                arrived.signal()
            }
        }
        state.withLock { $0.closed = true }
        arrived.signal()
    }

    /// Waits for an event of `kind` anywhere in the stream, before or after the cursor, without
    /// moving it: for events whose order relative to the ones already awaited is not defined.
    func any(_ kind: EventKind, timeout: Double = 20, where predicate: (Event) -> Bool = { _ in true }) -> Event? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (events, closed) = state.withLock { ($0.seen, $0.closed) }
            if let e = events.first(where: { $0.kind == kind && predicate($0) }) { return e }
            if closed || arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// The next event of `kind` (after the last one returned) that satisfies `predicate`; nil when
    /// none came within `timeout` seconds.
    func next(_ kind: EventKind, timeout: Double = 20, where predicate: (Event) -> Bool = { _ in true }) -> Event? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (events, closed) = state.withLock { ($0.seen, $0.closed) }
            let start = cursor.withLock { $0 }
            for i in start..<events.count where events[i].kind == kind && predicate(events[i]) {
                cursor.withLock { $0 = i + 1 }
                return events[i]
            }
            if closed || arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }

    /// Events of `kind` read so far, without waiting.
    func all(_ kind: EventKind) -> [Event] { state.withLock { $0.seen.filter { $0.kind == kind } } }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A poll(2) loop for one thread: descriptors with a handler each, a wake pipe that other
/// threads use to make it look at its work again, and a deadline for timed work.
///
/// Each round calls `prepare` (take work other threads left, run what is due, adjust the events
/// asked for), waits until a descriptor is ready, the pipe is poked or the deadline `prepare`
/// returned has passed, then calls the ready descriptors' handlers in the order they were
/// watched. A handler may watch or unwatch descriptors; one unwatched during a round is not
/// called for it, even when its number is reused at once. The loop belongs to the thread that
/// runs it; only its `Waker` crosses threads.
public final class PollLoop {
    /// The write end of the loop's self-pipe: `wake()` from any thread makes the loop start a
    /// new round. Create it first, hand it to other threads, then build the loop on its thread.
    public final class Waker: Sendable {
        let readFD: Int32
        let writeFD: Int32

        /// Opens a non-blocking, close-on-exec pipe.
        public init() throws(SystemError) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw SystemError("pipe") }
            readFD = fds[0]
            writeFD = fds[1]
            do throws(SystemError) {
                try Descriptor.makeNonBlocking(readFD)
                try Descriptor.makeNonBlocking(writeFD)
            } catch {
                close(readFD)
                close(writeFD)
                throw error
            }
        }

        deinit {
            close(readFD)
            close(writeFD)
        }

        /// Makes the loop run another round soon. A full pipe already means a round is due.
        public func wake() {
            var byte: UInt8 = 1
            while write(writeFD, &byte, 1) < 0, errno == EINTR {}
        }

        fileprivate func drain() {
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let n = read(readFD, &buffer, buffer.count)
                if n > 0 || (n < 0 && errno == EINTR) { continue }
                return
            }
        }
    }

    private struct Watch {
        var id: UInt64
        var fd: Int32
        var events: Int16
        var handler: (Int16) -> Void
    }

    /// The pipe that wakes this loop.
    public let waker: Waker
    private var watches: [Watch] = []
    private var nextID: UInt64 = 1
    private var stopped = false

    public init(waker: Waker) {
        self.waker = waker
    }

    /// Calls `handler` with the returned events (POLLIN, POLLOUT, POLLHUP, POLLERR...) whenever
    /// `fd` is ready for `events`. Watching a descriptor again replaces its handler.
    public func watch(_ fd: Int32, events: Int16, handler: @escaping (Int16) -> Void) {
        unwatch(fd)
        watches.append(Watch(id: nextID, fd: fd, events: events, handler: handler))
        nextID += 1
    }

    /// Changes what `fd` waits for; 0 keeps it watched but asks for nothing (errors and hangups
    /// are still reported).
    public func setEvents(_ fd: Int32, _ events: Int16) {
        if let i = watches.firstIndex(where: { $0.fd == fd }) { watches[i].events = events }
    }

    /// Stops watching `fd` (the caller still owns and closes it).
    public func unwatch(_ fd: Int32) {
        watches.removeAll { $0.fd == fd }
    }

    /// Makes `run` return after the current round.
    public func stop() {
        stopped = true
    }

    /// Runs rounds until `stop()`. `prepare` runs before each wait and returns when timed work
    /// is next due (nil: nothing is timed). A failing poll (not EINTR) ends the loop with its
    /// error.
    public func run(prepare: () -> Date?) throws(SystemError) {
        stopped = false
        while true {
            let deadline = prepare()
            if stopped { return }
            let round = watches
            var fds = [pollfd(fd: waker.readFD, events: Int16(POLLIN), revents: 0)]
            fds += round.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            let rc = poll(&fds, nfds_t(fds.count), PollLoop.milliseconds(until: deadline))
            if rc < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll")
            }
            if fds[0].revents != 0 { waker.drain() }
            for (i, watch) in round.enumerated() where fds[i + 1].revents != 0 {
                guard let current = watches.first(where: { $0.id == watch.id }) else { continue }
                current.handler(fds[i + 1].revents)
                if stopped { return }
            }
        }
    }

    /// poll's timeout for `deadline`: -1 for none, else the milliseconds left rounded up plus
    /// one, so that work due at the deadline finds it passed; capped at an hour.
    public static func milliseconds(until deadline: Date?) -> Int32 {
        guard let deadline else { return -1 }
        let ms = (deadline.timeIntervalSinceNow * 1000).rounded(.up) + 1
        return Int32(max(0, min(ms, 3_600_000)))
    }
}

import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads key presses from Linux input devices and reports them as `KeySourceEvent`s: a photo
/// source for the daemon (a `describe` press takes a photo) and its remote control.
///
/// One thread polls the devices, an inotify watch on their directory and a wake pipe. Devices
/// plugged in later are opened when inotify reports them; one that vanishes (unplugged,
/// deleted, a read error) is reported once and opened again when it comes back. A rescan every
/// `rescanInterval` catches what inotify cannot (a node made readable later, a directory that
/// did not exist yet). Each device has its own `PressClassifier`. The handler is called on the
/// source's thread, in order; it should hand work off rather than block.
public final class KeySource: Sendable {
    private struct State {
        var running = false
        var wakeWrite: Int32 = -1
        var started = false
    }

    public let configuration: KeySourceConfiguration
    private let handler: @Sendable (KeySourceEvent) -> Void
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    public init(configuration: KeySourceConfiguration, handler: @escaping @Sendable (KeySourceEvent) -> Void) {
        self.configuration = configuration
        self.handler = handler
    }

    deinit { stop() }

    /// Opens the devices there are (reporting each before it returns), then follows them on a
    /// thread.
    public func start() throws(KeySourceError) {
        if let problem = configuration.timing.problem { throw .badTiming(problem) }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw .system(call: "pipe", target: "wake pipe", reason: errnoText())
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else {
            let reason = errnoText()
            close(fds[0]); close(fds[1])
            throw .system(call: "inotify_init1", target: configuration.directory, reason: reason)
        }
        let alreadyStarted = state.withLock { s -> Bool in
            if s.started { return true }
            s.started = true
            s.wakeWrite = fds[1]
            return false
        }
        if alreadyStarted {
            close(fds[0]); close(fds[1]); close(inotify)
            throw .alreadyStarted
        }
        let (configuration, handler, finished, wakeRead) = (self.configuration, self.handler, self.finished, fds[0])
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread {
            let loop = KeySourceLoop(configuration: configuration, wakeRead: wakeRead, inotify: inotify, handler: handler)
            loop.openAll()
            ready.signal()
            loop.run()
            finished.signal()
        }
        thread.name = "assist.keys"
        thread.stackSize = 1 << 20
        state.withLock { $0.running = true }
        thread.start()
        // The devices there are now have been opened (and reported) when start returns.
        ready.wait()
    }

    /// Stops the thread and closes every device. Idempotent. A source runs once: `start` after
    /// `stop` throws `alreadyStarted` (make a new source instead).
    public func stop() {
        let (wake, running) = state.withLock { s -> (Int32, Bool) in
            let w = s.wakeWrite
            s.wakeWrite = -1
            return (w, s.running)
        }
        guard wake >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(wake, &byte, 1)
        if running { finished.wait() }
        close(wake)
    }
}

/// The state of a running `KeySource`, owned by its thread alone.
private final class KeySourceLoop {
    let configuration: KeySourceConfiguration
    let wakeRead: Int32
    let inotify: Int32
    let handler: @Sendable (KeySourceEvent) -> Void
    let wanted: Set<KeyCode>
    var devices: [String: InputDevice] = [:]
    /// Directory watches: descriptor -> directory path.
    var watches: [Int32: String] = [:]
    /// Paths whose device vanished and has not come back.
    var lost: Set<String> = []
    /// The last problem reported per path, so each is reported once.
    var reported: [String: String] = [:]
    var nextRescan: UInt64

    init(configuration: KeySourceConfiguration, wakeRead: Int32, inotify: Int32,
         handler: @escaping @Sendable (KeySourceEvent) -> Void) {
        self.configuration = configuration
        self.wakeRead = wakeRead
        self.inotify = inotify
        self.handler = handler
        wanted = configuration.keyMap.codes
        nextRescan = KeySourceLoop.now() + KeySourceLoop.nanoseconds(configuration.rescanInterval)
    }

    deinit {
        close(wakeRead)
        close(inotify)
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    static func nanoseconds(_ seconds: TimeInterval) -> UInt64 { UInt64(max(0, seconds) * 1e9) }

    /// The directories to watch.
    var directories: Set<String> {
        switch configuration.devices {
        case .auto: return [configuration.directory]
        case .paths(let paths): return Set(paths.map { ($0 as NSString).deletingLastPathComponent })
        }
    }

    /// Every path that should be open now.
    func candidates() -> [String] {
        switch configuration.devices {
        case .paths(let paths):
            return paths
        case .auto:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: configuration.directory)) ?? []
            return names.filter(isAutoName).sorted().map { configuration.directory + "/" + $0 }
        }
    }

    func isAutoName(_ name: String) -> Bool {
        name.hasPrefix(configuration.namePrefix) && !name.hasPrefix(".")
    }

    func isWanted(_ path: String) -> Bool {
        switch configuration.devices {
        case .paths(let paths): return paths.contains(path)
        case .auto:
            let dir = (path as NSString).deletingLastPathComponent
            return dir == configuration.directory && isAutoName((path as NSString).lastPathComponent)
        }
    }

    func openAll() {
        addMissingWatches()
        for path in candidates() where devices[path] == nil { open(path) }
    }

    func addMissingWatches() {
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_ATTRIB | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF)
        for dir in directories where !watches.values.contains(dir) {
            let wd = inotify_add_watch(inotify, dir, mask)
            // Without a watch (the directory is missing) the rescan keeps looking.
            if wd >= 0 { watches[wd] = dir }
        }
    }

    func open(_ path: String) {
        let auto = configuration.devices == .auto
        let map = configuration.keyMap
        let classifier = PressClassifier(timing: configuration.timing, hasDoubleAction: { map.hasDoubleAction($0) })
        do {
            let device = try InputDevice.open(path, wanted: wanted, requireWanted: auto, grab: configuration.grab,
                                              classifier: classifier)
            devices[path] = device
            reported[path] = nil
            let again = lost.remove(path) != nil
            emit(.deviceOpened(path: path, name: device.name, keys: device.keys, again: again))
        } catch {
            switch error {
            case .noWantedKeys(let reason):
                guard reported[path] != reason else { return }
                reported[path] = reason
                emit(.deviceIgnored(path: path, reason: reason))
            case .unusable(let reason):
                // A vanished device that is not back yet was reported as lost already.
                guard reported[path] != reason, !lost.contains(path) else { return }
                reported[path] = reason
                emit(.deviceUnusable(path: path, reason: reason))
            }
        }
    }

    func lose(_ path: String, reason: String) {
        guard let device = devices.removeValue(forKey: path) else { return }
        for output in device.classifier.deviceLost() { deliver(output, device: path) }
        lost.insert(path)
        emit(.deviceLost(path: path, reason: reason))
    }

    func emit(_ event: KeySourceEvent) { handler(event) }

    func deliver(_ output: PressClassifier.Output, device: String) {
        switch output {
        case .down(let code, let time): emit(.keyDown(code, time: time, device: device))
        case .press(let press): emit(.press(press, device: device))
        }
    }

    func run() {
        while true {
            let polled = devices.values.filter { !$0.exhausted }.sorted { $0.path < $1.path }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)]
            fds += polled.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let r = poll(&fds, nfds_t(fds.count), timeoutMilliseconds())
            if r < 0 && errno != EINTR { return }
            if fds[0].revents != 0 { return }
            if fds[1].revents & Int16(POLLIN) != 0 { readInotify() }
            for (i, device) in polled.enumerated() {
                let revents = fds[i + 2].revents
                guard revents != 0, devices[device.path] === device else { continue }
                if revents & Int16(POLLIN) != 0 { readDevice(device) }
                if devices[device.path] === device, revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                    lose(device.path, reason: "the device reported an error or hung up")
                }
            }
            expireWaitingPresses()
            if KeySourceLoop.now() >= nextRescan {
                nextRescan = KeySourceLoop.now() + KeySourceLoop.nanoseconds(configuration.rescanInterval)
                openAll()
            }
        }
    }

    /// Until the nearest double-press window ends or the next rescan is due.
    func timeoutMilliseconds() -> Int32 {
        let deadlines = devices.values.compactMap(\.expiry) + [nextRescan]
        let nearest = deadlines.min()!
        let now = KeySourceLoop.now()
        guard nearest > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (nearest - now + 999_999) / 1_000_000))
    }

    func readDevice(_ device: InputDevice) {
        switch device.readEvents() {
        case .events(let events):
            for event in events {
                for output in device.classifier.feed(event) { deliver(output, device: device.path) }
            }
            // The window of a newly waiting short press runs from now in real time.
            let since = device.classifier.waitingSince
            if since != device.expiryFor {
                device.expiryFor = since
                device.expiry = since.map { _ in KeySourceLoop.now() + KeySourceLoop.nanoseconds(configuration.timing.doubleWindow) }
            }
        case .endOfFile:
            device.exhausted = true
        case .lost(let reason):
            lose(device.path, reason: reason)
        }
    }

    func expireWaitingPresses() {
        let now = KeySourceLoop.now()
        for device in devices.values.sorted(by: { $0.path < $1.path }) {
            guard let expiry = device.expiry, expiry <= now else { continue }
            device.expiry = nil
            device.expiryFor = nil
            for output in device.classifier.expire() { deliver(output, device: device.path) }
        }
    }

    func readInotify() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            var offset = 0
            while offset + 16 <= n {
                let (wd, mask, length) = buffer.withUnsafeBytes { p in
                    (p.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                     p.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(p.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                offset += 16 + length
                handleInotify(wd: wd, mask: mask, name: name)
            }
        }
    }

    func handleInotify(wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            openAll()
            return
        }
        guard let dir = watches[wd] else { return }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
            // The directory itself went away: its devices with it; the rescan re-adds the watch.
            watches[wd] = nil
            if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(inotify, wd) }
            for path in devices.keys.sorted() where (path as NSString).deletingLastPathComponent == dir {
                lose(path, reason: "its directory \(dir) was removed")
            }
            return
        }
        let path = dir + "/" + name
        guard isWanted(path) else { return }
        if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
            if devices[path] != nil {
                lose(path, reason: "it was removed")
            } else {
                // A device that never opened is gone; whatever comes next is news again.
                reported[path] = nil
            }
        } else if devices[path] == nil {
            open(path)
        }
    }
}

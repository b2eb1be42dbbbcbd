import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Why the socket cannot be served; names the path.
enum SocketServerError: Error, CustomStringConvertible {
    case alreadyRunning(path: String)
    case notASocket(path: String)
    case directoryNotOwned(path: String, owner: UInt32)
    case system(call: String, path: String, errno: Int32)

    var description: String {
        switch self {
        case .alreadyRunning(let p): return "another assistd is already listening on \(p)"
        case .notASocket(let p): return "\(p) exists and is not a socket; remove it or choose another socket path"
        case .directoryNotOwned(let p, let o): return "socket directory \(p) belongs to uid \(o), not to this user; choose another socket path"
        case .system(let c, let p, let e): return "\(c) \(p): \(String(cString: strerror(e)))"
        }
    }
}

/// The Unix socket: one poll loop on its own thread (`ServerLoop`), non-blocking connections,
/// bounded buffers.
///
/// Safety rules (docs/daemon.md): the socket lives in a private directory created before bind;
/// peers are checked with SO_PEERCRED on accept; a photo comes only as a descriptor (fstat'd:
/// regular file, size cap) or as bytes, never as a path; frames, connections and listener
/// backlogs are capped; slow clients time out; writes use MSG_NOSIGNAL; a client that vanishes
/// only loses its own replies.
final class SocketServer: EventSink {
    struct Limits: Sendable {
        var maxConnections: Int
        var frame: FrameLimits
        var maxPhotoBytes: Int
        var clientTimeout: Double
        var idleTimeout: Double
        /// Connections subscribed to `events`; they do not count toward `maxConnections`.
        var maxListeners = BoundsConfig().maxListeners
        /// A subscribed listener that lets this much pile up unread is dropped; any other
        /// connection with this much unwritten is not read from until it drains (backpressure).
        var maxPendingOutput = 1024 * 1024
        /// Requests of one connection being answered at once; more wait unread in the kernel's
        /// buffer. With `maxPendingOutput`, a client that pipelines requests and never reads
        /// the replies costs a bounded amount of memory.
        var maxPendingReplies = 16
    }

    typealias Handler = @Sendable (Request, ClientPhoto?, @escaping @Sendable (ResponseBody) -> Void) -> Void
    /// Takes a request that passed an open file (`products_import`); the handler owns the
    /// descriptor and closes it.
    typealias FileHandler = @Sendable (Request, Int32, @escaping @Sendable (ResponseBody) -> Void) -> Void

    /// What the loop thread and the other threads share.
    struct Mail {
        var stopping = false
        var limits: Limits
        /// Replies per connection id, in the order they were made.
        var outbox: [(UInt64, Data)] = []
        var events: [Data] = []
        /// Peers whose group membership was looked up off the loop thread.
        var admissions: [Admission] = []
    }

    /// An accepted peer, as the loop logs and checks it.
    struct Peer: Sendable, CustomStringConvertible {
        var pid: pid_t
        var uid: uid_t
        var gid: gid_t

        init(_ cred: PeerCredentials) {
            pid = cred.pid; uid = cred.uid; gid = cred.gid
        }

        var description: String { "pid=\(pid),uid=\(uid),gid=\(gid)" }
    }

    /// The outcome of a membership lookup for an accepted descriptor.
    struct Admission: Sendable {
        var fd: Int32
        var peer: Peer
        var allowed: Bool
    }

    let path: String
    let group: gid_t?
    let handler: Handler
    let fileHandler: FileHandler?
    /// Where the loop reports closed connections.
    let events: EventHub?
    private let mail: Locked<Mail>
    /// The listening socket and its inode, once bound.
    private let listener = Locked<(fd: Int32, inode: ino_t)>((-1, 0))
    /// Wakes the loop when mail comes.
    private let waker: PollLoop.Waker
    private let finished = DispatchSemaphore(value: 0)
    /// Where group membership is looked up (NSS may block), one peer at a time.
    private let lookups = DispatchQueue(label: "assistd.server.membership")

    init(path: String, group: gid_t?, limits: Limits, events: EventHub? = nil, fileHandler: FileHandler? = nil,
         handler: @escaping Handler) throws {
        self.path = path
        self.fileHandler = fileHandler
        self.events = events
        self.group = group
        self.handler = handler
        mail = Locked(Mail(limits: limits))
        do { waker = try PollLoop.Waker() } catch {
            throw SocketServerError.system(call: error.call, path: path, errno: error.errno)
        }
    }

    func update(limits newLimits: Limits) {
        mail.withLock { $0.limits = newLimits }
        poke()
    }

    // MARK: - Setup

    /// Creates the directory and binds and listens on the socket; a client that connects now
    /// waits in the backlog until `serve`.
    func bind() throws {
        try prepareDirectory()
        try removeStaleSocket()
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketServerError.system(call: "socket", path: path, errno: errno) }
        var (addr, length) = try UnixSocket.address(path)
        // The umask makes the socket private from the moment it exists; chmod below only widens
        // it for a configured group.
        let oldMask = umask(0o177)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        let bindErrno = errno
        umask(oldMask)
        guard rc == 0 else { close(fd); throw SocketServerError.system(call: "bind", path: path, errno: bindErrno) }
        if let g = group {
            guard chown(path, UInt32.max, g) == 0, chmod(path, 0o660) == 0 else {
                throw SocketServerError.system(call: "chown/chmod", path: path, errno: errno)
            }
        }
        var st = stat()
        stat(path, &st)
        guard listen(fd, 64) == 0 else { throw SocketServerError.system(call: "listen", path: path, errno: errno) }
        listener.withLock { $0 = (fd, st.st_ino) }
        logInfo("server", "listening", ["socket": path, "group": group.map { String($0) }])
    }

    /// Starts the loop thread on the bound socket.
    func serve() {
        let fd = listener.withLock { $0.fd }
        let limits = mail.withLock { $0.limits }
        let t = Thread { [self] in
            ServerLoop(server: self, listenFD: fd, waker: waker, limits: limits).run()
            let inode = listener.withLock { $0.inode }
            var st = stat()
            if stat(path, &st) == 0, st.st_ino == inode { unlink(path) }
            finished.signal()
        }
        t.name = "server"
        t.start()
    }

    /// Creates the socket's directory 0700 (0750 with a group) and refuses one that belongs to
    /// someone else, since whoever owns it could swap the socket.
    private func prepareDirectory() throws {
        let dir = (path as NSString).deletingLastPathComponent
        let mode: mode_t = group == nil ? 0o700 : 0o750
        do { try FileSystem.makeDirectory(dir, mode: mode) } catch {
            throw SocketServerError.system(call: error.call, path: error.path ?? dir, errno: error.errno)
        }
        var st = stat()
        guard lstat(dir, &st) == 0 else { throw SocketServerError.system(call: "stat", path: dir, errno: errno) }
        guard st.st_uid == geteuid() else { throw SocketServerError.directoryNotOwned(path: dir, owner: st.st_uid) }
        if let g = group, chown(dir, UInt32.max, g) != 0 {
            throw SocketServerError.system(call: "chown", path: dir, errno: errno)
        }
        guard chmod(dir, mode) == 0 else { throw SocketServerError.system(call: "chmod", path: dir, errno: errno) }
    }

    /// A socket file left by a daemon that died is removed; a live one means another daemon runs.
    private func removeStaleSocket() throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFSOCK else { throw SocketServerError.notASocket(path: path) }
        if let fd = try? UnixSocket.connect(path: path) {
            close(fd)
            throw SocketServerError.alreadyRunning(path: path)
        }
        logInfo("server", "removing stale socket", ["socket": path])
        unlink(path)
    }

    // MARK: - Cross-thread entry points

    func stop() {
        mail.withLock { $0.stopping = true }
        poke()
        _ = finished.wait(timeout: .now() + 2)
    }

    /// Sends the event to every subscribed connection.
    func emit(_ event: Event) {
        let bytes = Wire.frame(Response(id: 0, .event(event))).encoded()
        mail.withLock { $0.events.append(bytes) }
        poke()
    }

    /// Queues a reply for connection `connection`; the loop writes it.
    func post(_ connection: UInt64, _ body: ResponseBody, id: UInt64) {
        let bytes = Wire.frame(Response(id: id, body)).encoded()
        mail.withLock { $0.outbox.append((connection, bytes)) }
        poke()
    }

    /// What the loop does next: stop, or deliver the mail that came in, under these limits.
    func takeMail() -> (stop: Bool, limits: Limits, outbox: [(UInt64, Data)], events: [Data], admissions: [Admission]) {
        mail.withLock { m in
            defer { m.outbox.removeAll(); m.events.removeAll(); m.admissions.removeAll() }
            return (m.stopping, m.limits, m.outbox, m.events, m.admissions)
        }
    }

    /// Looks up whether `peer` belongs to `group` on `lookups`, then hands the descriptor back
    /// to the loop with the answer.
    func checkMembership(fd: Int32, peer: Peer, group: gid_t) {
        lookups.async { [self] in
            let allowed = SocketServer.isMember(uid: peer.uid, gid: peer.gid, of: group)
            mail.withLock { $0.admissions.append(Admission(fd: fd, peer: peer, allowed: allowed)) }
            poke()
        }
    }

    private func poke() {
        waker.wake()
    }
}

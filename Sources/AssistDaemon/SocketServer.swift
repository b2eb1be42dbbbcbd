import Foundation
import IPC
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

/// The Unix socket: one poll loop on its own thread, non-blocking connections, bounded buffers.
///
/// Safety rules from /work/shared/docs/reliability.md: the socket lives in a private directory
/// created before bind; peers are checked with SO_PEERCRED on accept; a photo comes only as a
/// descriptor (fstat'd: regular file, size cap) or as bytes, never as a path; frames, connections
/// and listener backlogs are capped; slow clients time out; writes use MSG_NOSIGNAL; a client
/// that vanishes only loses its own replies.
final class SocketServer: @unchecked Sendable {
    struct Limits {
        var maxConnections: Int
        var frame: FrameLimits
        var maxPhotoBytes: Int
        var clientTimeout: Double
        var idleTimeout: Double
        /// A subscribed listener that lets this much pile up unread is dropped; any other
        /// connection with this much unwritten is not read from until it drains (backpressure).
        var maxPendingOutput = 1024 * 1024
        /// Requests of one connection being answered at once; more wait unread in the kernel's
        /// buffer. With `maxPendingOutput`, a client that pipelines requests and never reads
        /// the replies costs a bounded amount of memory.
        var maxPendingReplies = 16
    }

    typealias Handler = @Sendable (Request, Data?, @escaping @Sendable (ResponseBody) -> Void) -> Void

    private final class Connection {
        let fd: Int32
        let id: UInt64
        let peer: String
        var decoder: FrameDecoder
        var descriptors: [Int32] = []
        var output = Data()
        var lastActivity = Date()
        var partialSince: Date?
        var writeStalledSince: Date?
        var pendingReplies = 0
        var subscribed = false
        var closeWhenFlushed = false
        /// Complete frames wait in `decoder` because too many replies are unwritten.
        var paused = false

        init(fd: Int32, id: UInt64, peer: String, limits: FrameLimits) {
            self.fd = fd; self.id = id; self.peer = peer
            decoder = FrameDecoder(limits: limits)
        }
    }

    let path: String
    private let group: gid_t?
    private let handler: Handler
    private let lock = NSLock()
    private var limits: Limits
    private var outbox: [(UInt64, Data)] = []
    private var events: [Data] = []
    private var stopping = false
    private var listenFD: Int32 = -1
    private var socketInode: ino_t = 0
    private var wake: [Int32] = [-1, -1]
    private var connections: [Int32: Connection] = [:]
    private var nextConnectionID: UInt64 = 1
    private let finished = DispatchSemaphore(value: 0)

    init(path: String, group: gid_t?, limits: Limits, handler: @escaping Handler) {
        self.path = path
        self.group = group
        self.limits = limits
        self.handler = handler
    }

    func update(limits newLimits: Limits) {
        lock.withLock { limits = newLimits }
    }

    // MARK: - Setup

    func start() throws {
        try prepareDirectory()
        try removeStaleSocket()
        listenFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listenFD >= 0 else { throw SocketServerError.system(call: "socket", path: path, errno: errno) }
        var (addr, length) = try UnixSocket.address(path)
        // The umask makes the socket private from the moment it exists; chmod below only widens
        // it for a configured group.
        let oldMask = umask(0o177)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, length) }
        }
        let bindErrno = errno
        umask(oldMask)
        guard rc == 0 else { throw SocketServerError.system(call: "bind", path: path, errno: bindErrno) }
        if let g = group {
            guard chown(path, UInt32.max, g) == 0, chmod(path, 0o660) == 0 else {
                throw SocketServerError.system(call: "chown/chmod", path: path, errno: errno)
            }
        }
        var st = stat()
        stat(path, &st)
        socketInode = st.st_ino
        guard listen(listenFD, 64) == 0 else { throw SocketServerError.system(call: "listen", path: path, errno: errno) }
        guard Descriptors.makeWakePipe(&wake) else {
            throw SocketServerError.system(call: "pipe2", path: path, errno: errno)
        }
        let t = Thread { [self] in run() }
        t.name = "server"
        t.start()
        logInfo("server", "listening", ["socket": path, "group": group.map { String($0) }])
    }

    /// Creates the socket's directory 0700 (0750 with a group) and refuses one that belongs to
    /// someone else, since whoever owns it could swap the socket.
    private func prepareDirectory() throws {
        let dir = (path as NSString).deletingLastPathComponent
        let mode: mode_t = group == nil ? 0o700 : 0o750
        do { try DurableFile.makeDirectory(dir, mode: mode) } catch let e as DurableWriteError {
            throw SocketServerError.system(call: e.call, path: e.path, errno: e.errno)
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
        lock.withLock { stopping = true }
        poke()
        _ = finished.wait(timeout: .now() + 2)
    }

    func broadcast(_ event: Event) {
        let bytes = Wire.frame(Response(id: 0, .event(event))).encoded()
        lock.withLock { events.append(bytes) }
        poke()
    }

    private func post(_ connection: UInt64, _ body: ResponseBody, id: UInt64) {
        let bytes = Wire.frame(Response(id: id, body)).encoded()
        lock.withLock { outbox.append((connection, bytes)) }
        poke()
    }

    private func poke() {
        var b: UInt8 = 1
        _ = write(wake[1], &b, 1)
    }

    // MARK: - Loop

    private func run() {
        while true {
            let (stop, l, mail, news) = lock.withLock { () -> (Bool, Limits, [(UInt64, Data)], [Data]) in
                defer { outbox.removeAll(); events.removeAll() }
                return (stopping, limits, outbox, events)
            }
            if stop { break }
            deliver(mail, news, limits: l)
            for c in Array(connections.values) where c.paused && !SocketServer.backlogged(c, l) {
                dispatchFrames(c, limits: l)
            }
            enforceTimeouts(limits: l)

            var fds = [pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
            let conns = Array(connections.values)
            for c in conns {
                var ev = Int16(POLLIN)
                if !c.output.isEmpty { ev |= Int16(POLLOUT) }
                if c.closeWhenFlushed || c.paused { ev &= ~Int16(POLLIN) }
                fds.append(pollfd(fd: c.fd, events: ev, revents: 0))
            }
            let rc = poll(&fds, nfds_t(fds.count), pollTimeout(limits: l))
            if rc < 0 {
                if errno == EINTR { continue }
                logError("server", "poll failed", ["errno": errno])
                break
            }
            if fds[0].revents != 0 {
                var buf = [UInt8](repeating: 0, count: 256)
                while read(wake[0], &buf, buf.count) > 0 {}
            }
            if fds[1].revents != 0 { acceptAll(limits: l) }
            for (i, c) in conns.enumerated() {
                let re = fds[i + 2].revents
                guard re != 0, connections[c.fd] === c else { continue }
                if re & Int16(POLLOUT) != 0 { flush(c) }
                if connections[c.fd] === c, c.paused, !SocketServer.backlogged(c, l) { dispatchFrames(c, limits: l) }
                if connections[c.fd] === c, re & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readFrom(c, limits: l) }
            }
        }
        for c in Array(connections.values) { drop(c, why: nil) }
        close(listenFD)
        var st = stat()
        if stat(path, &st) == 0, st.st_ino == socketInode { unlink(path) }
        finished.signal()
    }

    private func deliver(_ mail: [(UInt64, Data)], _ news: [Data], limits l: Limits) {
        if !mail.isEmpty {
            let byID = Dictionary(uniqueKeysWithValues: connections.values.map { ($0.id, $0) })
            for (cid, bytes) in mail {
                // The client may have gone; its reply is dropped and nothing else is affected.
                guard let c = byID[cid], connections[c.fd] === c else { continue }
                c.pendingReplies -= 1
                queue(bytes, on: c)
            }
        }
        for bytes in news {
            for c in Array(connections.values) where c.subscribed {
                if c.output.count + bytes.count > l.maxPendingOutput {
                    drop(c, why: "event listener is not reading")
                } else {
                    queue(bytes, on: c)
                }
            }
        }
    }

    private func enforceTimeouts(limits l: Limits) {
        let now = Date()
        for c in Array(connections.values) {
            if let since = c.partialSince, now.timeIntervalSince(since) > l.clientTimeout, !c.closeWhenFlushed {
                logWarning("server", "client did not finish its frame in time", ["peer": c.peer, "seconds": l.clientTimeout])
                refuse(c, RemoteError(.timeout, "the request was not completed within \(l.clientTimeout) seconds"))
            } else if let since = c.writeStalledSince, now.timeIntervalSince(since) > l.clientTimeout {
                drop(c, why: "client stopped reading replies")
            } else if c.output.isEmpty, c.pendingReplies == 0, !c.subscribed, c.partialSince == nil,
                      now.timeIntervalSince(c.lastActivity) > (c.closeWhenFlushed ? 0 : l.idleTimeout) {
                drop(c, why: c.closeWhenFlushed ? nil : "idle")
            }
        }
    }

    /// Milliseconds until the earliest moment `enforceTimeouts` could act (-1: never), so the
    /// loop sleeps until something happens instead of waking on a tick: an idle daemon with an
    /// `events` listener connected uses no CPU.
    private func pollTimeout(limits l: Limits) -> Int32 {
        var soonest = Date.distantFuture
        for c in connections.values {
            if let since = c.partialSince, !c.closeWhenFlushed { soonest = min(soonest, since.addingTimeInterval(l.clientTimeout)) }
            if let since = c.writeStalledSince { soonest = min(soonest, since.addingTimeInterval(l.clientTimeout)) }
            if c.output.isEmpty, c.pendingReplies == 0, !c.subscribed, c.partialSince == nil {
                soonest = min(soonest, c.lastActivity.addingTimeInterval(c.closeWhenFlushed ? 0 : l.idleTimeout))
            }
        }
        if soonest == .distantFuture { return -1 }
        // A millisecond past the deadline: the checks fire only once it has passed.
        return Int32(max(0, min(soonest.timeIntervalSinceNow * 1000 + 1, 3_600_000)))
    }

    private func acceptAll(limits l: Limits) {
        while true {
            let fd = Descriptors.accept(listenFD)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { logWarning("server", "accept failed", ["errno": errno]) }
                return
            }
            var cred = PeerCredentials()
            var len = socklen_t(MemoryLayout<PeerCredentials>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 else {
                close(fd)
                continue
            }
            let peer = "pid=\(cred.pid),uid=\(cred.uid),gid=\(cred.gid)"
            if !allowed(uid: cred.uid, gid: cred.gid) {
                logWarning("server", "refused peer", ["pid": cred.pid, "uid": cred.uid, "gid": cred.gid])
                sendOnce(fd, RemoteError(.forbidden, "assistd does not accept connections from uid \(cred.uid)"))
                close(fd)
                continue
            }
            if connections.count >= l.maxConnections {
                logWarning("server", "too many connections; answering busy", ["limit": l.maxConnections])
                sendOnce(fd, RemoteError(.busy, "assistd has \(l.maxConnections) connections open; try again later"))
                close(fd)
                continue
            }
            let c = Connection(fd: fd, id: nextConnectionID, peer: peer, limits: l.frame)
            nextConnectionID += 1
            connections[fd] = c
            logDebug("server", "client connected", ["peer": peer])
        }
    }

    /// Same uid, root, or the configured group as primary gid or as one of the user's groups.
    private func allowed(uid: uid_t, gid: gid_t) -> Bool {
        if uid == geteuid() || uid == 0 { return true }
        guard let g = group else { return false }
        if gid == g { return true }
        var pw = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buf = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &pw, &buf, buf.count, &result) == 0, result != nil else { return false }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: 64)
        if getgrouplist(pw.pw_name, pw.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(pw.pw_name, pw.pw_gid, &groups, &count) >= 0 else { return false }
        }
        return groups.prefix(Int(count)).contains(g)
    }

    /// Best-effort single error frame to a socket that is about to be closed.
    private func sendOnce(_ fd: Int32, _ error: RemoteError) {
        _ = try? UnixSocket.send(fd, Wire.frame(Response(id: 0, .failure(error))).encoded())
    }

    private func drop(_ c: Connection, why: String?) {
        if let why { logInfo("server", "closing connection", ["peer": c.peer, "why": why]) }
        c.descriptors.forEach { close($0) }
        c.descriptors = []
        close(c.fd)
        connections[c.fd] = nil
    }

    /// Sends a final error and closes once it is written (or the write stalls).
    private func refuse(_ c: Connection, _ error: RemoteError) {
        c.partialSince = nil
        c.closeWhenFlushed = true
        queue(Wire.frame(Response(id: 0, .failure(error))).encoded(), on: c)
    }

    private func queue(_ bytes: Data, on c: Connection) {
        c.output.append(bytes)
        flush(c)
    }

    private func flush(_ c: Connection) {
        guard !c.output.isEmpty else { return }
        do {
            let n = try UnixSocket.send(c.fd, c.output)
            if n > 0 {
                c.output.removeFirst(n)
                c.lastActivity = Date()
            }
            c.writeStalledSince = c.output.isEmpty ? nil : (n > 0 ? Date() : (c.writeStalledSince ?? Date()))
        } catch {
            drop(c, why: "client went away")
            return
        }
        if c.output.isEmpty && c.closeWhenFlushed { drop(c, why: nil) }
    }

    private func readFrom(_ c: Connection, limits l: Limits) {
        var budget = 1024 * 1024
        while budget > 0 {
            let result: UnixSocket.ReadResult
            do { result = try UnixSocket.receive(c.fd, maxBytes: 64 * 1024) } catch {
                drop(c, why: "read failed")
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .endOfStream:
                // Answers still owed are dropped when they arrive; the jobs themselves go on.
                drop(c, why: nil)
                return
            case .data(let bytes, let fds):
                budget -= bytes.count
                c.lastActivity = Date()
                c.descriptors.append(contentsOf: fds)
                if c.descriptors.count > UnixSocket.maxDescriptorsPerRead {
                    c.descriptors[UnixSocket.maxDescriptorsPerRead...].forEach { close($0) }
                    c.descriptors.removeLast(c.descriptors.count - UnixSocket.maxDescriptorsPerRead)
                }
                c.decoder.append(bytes)
                dispatchFrames(c, limits: l)
                // Paused: the rest waits in the kernel's buffer until the replies drain.
                if connections[c.fd] !== c || c.paused { return }
            }
        }
    }

    private static func backlogged(_ c: Connection, _ l: Limits) -> Bool {
        c.output.count >= l.maxPendingOutput || c.pendingReplies >= l.maxPendingReplies
    }

    /// Hands complete frames to `dispatch` until the decoder is empty or the connection is
    /// backlogged (replies unwritten or still being made); then it is paused (not read from)
    /// and resumed from the loop once its replies have gone out.
    private func dispatchFrames(_ c: Connection, limits l: Limits) {
        c.paused = false
        while true {
            if SocketServer.backlogged(c, l) {
                c.paused = true
                c.partialSince = nil
                return
            }
            let frame: Frame?
            do { frame = try c.decoder.next() } catch {
                logWarning("server", "refusing frame", ["peer": c.peer, "reason": "\(error)"])
                refuse(c, RemoteError(.frameTooLarge, "\(error)"))
                return
            }
            guard let frame else { break }
            dispatch(frame, on: c, limits: l)
            guard connections[c.fd] === c else { return }
        }
        if c.decoder.hasPartialFrame {
            if c.partialSince == nil { c.partialSince = Date() }
        } else {
            c.partialSince = nil
        }
    }

    private func dispatch(_ frame: Frame, on c: Connection, limits l: Limits) {
        let passed = c.descriptors
        c.descriptors = []
        c.partialSince = nil
        let request: Request
        switch Wire.decodeRequest(frame) {
        case .failure(let f):
            passed.forEach { close($0) }
            logInfo("server", "malformed request", ["peer": c.peer, "reason": f.error.message])
            queue(Wire.frame(Response(id: f.id, .failure(f.error))).encoded(), on: c)
            return
        case .success(let r):
            request = r
        }
        var photo: Data?
        if case .caption(let cr) = request.body {
            switch cr.photo {
            case .descriptor:
                guard let fd = passed.first else {
                    queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.photoInvalid,
                        "the caption request said photo=descriptor but no descriptor came with it")))).encoded(), on: c)
                    return
                }
                passed.dropFirst().forEach { close($0) }
                do { photo = try SocketServer.readPhoto(fd, name: cr.name ?? "photo", limit: l.maxPhotoBytes) } catch {
                    close(fd)
                    queue(Wire.frame(Response(id: request.id, .failure(error as? RemoteError
                        ?? RemoteError(.photoInvalid, "\(error)")))).encoded(), on: c)
                    return
                }
                close(fd)
            case .bytes:
                passed.forEach { close($0) }
                guard !frame.attachment.isEmpty else {
                    queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.photoInvalid,
                        "the caption request said photo=bytes but the frame has no attachment")))).encoded(), on: c)
                    return
                }
                photo = frame.attachment
            }
        } else {
            passed.forEach { close($0) }
        }
        if case .events = request.body {
            c.subscribed = true
            queue(Wire.frame(Response(id: request.id, .subscribed)).encoded(), on: c)
            return
        }
        c.pendingReplies += 1
        let cid = c.id
        let rid = request.id
        handler(request, photo) { [weak self] body in self?.post(cid, body, id: rid) }
    }

    /// Reads a passed descriptor: it must be a regular file within the size cap. Uses pread so
    /// the client's file offset does not matter.
    static func readPhoto(_ fd: Int32, name: String, limit: Int) throws -> Data {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw RemoteError(.photoInvalid, "cannot stat photo \(name): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw RemoteError(.photoInvalid, "photo \(name) is not a regular file")
        }
        guard st.st_size <= limit else {
            throw RemoteError(.photoInvalid, "photo \(name) is \(st.st_size) bytes, larger than the limit of \(limit) bytes")
        }
        guard let data = Descriptors.readAll(fd, size: Int(st.st_size)) else {
            throw RemoteError(.photoInvalid, "cannot read photo \(name): \(String(cString: strerror(errno)))")
        }
        return data
    }
}

import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The socket server's poll loop and its connections. Built on the loop's own thread and used
/// only there, so its state needs no lock; other threads reach it through `SocketServer`'s mail.
final class ServerLoop {
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

    private let server: SocketServer
    private let listenFD: Int32
    private let loop: PollLoop
    private var connections: [Int32: Connection] = [:]
    private var nextConnectionID: UInt64 = 1
    /// Accepted peers whose group membership is being looked up off this thread.
    private var admitting = 0
    /// Connections subscribed to events; they do not take `maxConnections` slots.
    private var listeners: Int { connections.values.reduce(0) { $0 + ($1.subscribed ? 1 : 0) } }
    /// The limits of the current round.
    private var limits: SocketServer.Limits

    init(server: SocketServer, listenFD: Int32, waker: PollLoop.Waker, limits: SocketServer.Limits) {
        self.server = server
        self.listenFD = listenFD
        self.limits = limits
        loop = PollLoop(waker: waker)
    }

    /// Serves until the server is stopped, then closes every connection and the listener.
    func run() {
        loop.watch(listenFD, events: Int16(POLLIN)) { [unowned self] _ in acceptAll(limits: limits) }
        do { try loop.run { [unowned self] in prepareRound() } } catch {
            logError("server", "poll failed", ["reason": "\(error)"])
        }
        for c in Array(connections.values) { drop(c, why: nil) }
        close(listenFD)
    }

    /// Takes the mail other threads left, resumes paused connections, enforces timeouts and
    /// sets what each connection waits for; returns when a timeout is next due.
    private func prepareRound() -> Date? {
        let (stop, l, mail, news, admissions) = server.takeMail()
        if stop {
            admissions.forEach { close($0.fd) }
            loop.stop()
            return nil
        }
        limits = l
        for a in admissions {
            admitting -= 1
            if a.allowed { admit(a.fd, a.peer, limits: l) } else { refusePeer(a.fd, a.peer) }
        }
        deliver(mail, news, limits: l)
        for c in Array(connections.values) where c.paused && !ServerLoop.backlogged(c, l) {
            dispatchFrames(c, limits: l)
        }
        enforceTimeouts(limits: l)
        for c in connections.values {
            var ev = Int16(POLLIN)
            if !c.output.isEmpty { ev |= Int16(POLLOUT) }
            if c.closeWhenFlushed || c.paused { ev &= ~Int16(POLLIN) }
            loop.setEvents(c.fd, ev)
        }
        return nextDeadline(limits: l)
    }

    /// A connection's descriptor is ready.
    private func ready(_ c: Connection, _ revents: Int16) {
        guard connections[c.fd] === c else { return }
        if revents & Int16(POLLOUT) != 0 { flush(c) }
        if connections[c.fd] === c, c.paused, !ServerLoop.backlogged(c, limits) { dispatchFrames(c, limits: limits) }
        if connections[c.fd] === c, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readFrom(c, limits: limits) }
    }

    private func deliver(_ mail: [(UInt64, Data)], _ news: [Data], limits l: SocketServer.Limits) {
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

    private func enforceTimeouts(limits l: SocketServer.Limits) {
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

    /// The earliest moment `enforceTimeouts` could act (nil: never), so the loop sleeps until
    /// something happens instead of waking on a tick: an idle daemon with an `events` listener
    /// connected uses no CPU.
    private func nextDeadline(limits l: SocketServer.Limits) -> Date? {
        var soonest = Date.distantFuture
        for c in connections.values {
            if let since = c.partialSince, !c.closeWhenFlushed { soonest = min(soonest, since.addingTimeInterval(l.clientTimeout)) }
            if let since = c.writeStalledSince { soonest = min(soonest, since.addingTimeInterval(l.clientTimeout)) }
            if c.output.isEmpty, c.pendingReplies == 0, !c.subscribed, c.partialSince == nil {
                soonest = min(soonest, c.lastActivity.addingTimeInterval(c.closeWhenFlushed ? 0 : l.idleTimeout))
            }
        }
        return soonest == .distantFuture ? nil : soonest
    }

    private func acceptAll(limits l: SocketServer.Limits) {
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
            let peer = SocketServer.Peer(cred)
            if connections.count - listeners + admitting >= l.maxConnections {
                logWarning("server", "too many connections; answering busy", ["limit": l.maxConnections])
                sendOnce(fd, RemoteError(.busy, "assistd has \(l.maxConnections) connections open; try again later"))
                close(fd)
                continue
            }
            if cred.uid == geteuid() || cred.uid == 0 { admit(fd, peer, limits: l); continue }
            guard let g = server.group else { refusePeer(fd, peer); continue }
            if cred.gid == g { admit(fd, peer, limits: l); continue }
            // getgrouplist goes through NSS (LDAP, sssd, a slow network): never on this thread.
            admitting += 1
            server.checkMembership(fd: fd, peer: peer, group: g)
        }
    }

    /// Starts serving an accepted, allowed peer, unless every slot filled meanwhile.
    private func admit(_ fd: Int32, _ peer: SocketServer.Peer, limits l: SocketServer.Limits) {
        if connections.count - listeners >= l.maxConnections {
            sendOnce(fd, RemoteError(.busy, "assistd has \(l.maxConnections) connections open; try again later"))
            close(fd)
            return
        }
        let c = Connection(fd: fd, id: nextConnectionID, peer: peer.description, limits: l.frame)
        nextConnectionID += 1
        connections[fd] = c
        loop.watch(fd, events: Int16(POLLIN)) { [unowned self] revents in ready(c, revents) }
        logDebug("server", "client connected", ["peer": peer.description])
    }

    private func refusePeer(_ fd: Int32, _ peer: SocketServer.Peer) {
        logWarning("server", "refused peer", ["pid": peer.pid, "uid": peer.uid, "gid": peer.gid])
        sendOnce(fd, RemoteError(.forbidden, "assistd does not accept connections from uid \(peer.uid)"))
        close(fd)
    }

    /// Best-effort single error frame to a socket that is about to be closed.
    private func sendOnce(_ fd: Int32, _ error: RemoteError) {
        _ = try? UnixSocket.send(fd, Wire.frame(Response(id: 0, .failure(error))).encoded())
    }

    private func drop(_ c: Connection, why: String?) {
        if let why {
            logInfo("server", "closing connection", ["peer": c.peer, "why": why])
            server.events?.emit(.connectionClosed, error: why)
        }
        c.descriptors.forEach { close($0) }
        c.descriptors = []
        loop.unwatch(c.fd)
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

    private func readFrom(_ c: Connection, limits l: SocketServer.Limits) {
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

    private static func backlogged(_ c: Connection, _ l: SocketServer.Limits) -> Bool {
        c.output.count >= l.maxPendingOutput || c.pendingReplies >= l.maxPendingReplies
    }

    /// Hands complete frames to `dispatch` until the decoder is empty or the connection is
    /// backlogged (replies unwritten or still being made); then it is paused (not read from)
    /// and resumed from the loop once its replies have gone out.
    private func dispatchFrames(_ c: Connection, limits l: SocketServer.Limits) {
        c.paused = false
        while true {
            if ServerLoop.backlogged(c, l) {
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
            // Every byte read so far has been answered, so no frame is left to claim them: a
            // descriptor that came with a frame that did not ask for one is closed unread.
            c.descriptors.forEach { close($0) }
            c.descriptors = []
        }
    }

    /// Descriptors stay pooled on the connection in the order they arrived, and each frame that
    /// asks for one (`caption` with photo = "descriptor") takes the oldest: one recvmsg can
    /// return a plain frame and the frame that carried the descriptor, so the frame a read began
    /// with is not the one the descriptor belongs to.
    private func dispatch(_ frame: Frame, on c: Connection, limits l: SocketServer.Limits) {
        c.partialSince = nil
        let request: Request
        switch Wire.decodeRequest(frame) {
        case .failure(let f):
            logInfo("server", "malformed request", ["peer": c.peer, "reason": f.error.message])
            queue(Wire.frame(Response(id: f.id, .failure(f.error))).encoded(), on: c)
            return
        case .success(let r):
            request = r
        }
        var photo: ClientPhoto?
        if case .caption(let cr) = request.body {
            switch cr.photo {
            case .descriptor:
                guard !c.descriptors.isEmpty else {
                    queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.photoInvalid,
                        "the caption request said photo=descriptor but no descriptor came with it")))).encoded(), on: c)
                    return
                }
                // Not read here: the worker reads it in its turn (HeldPhoto), so neither a
                // stalled file nor the bytes of every waiting photo weigh on this thread.
                photo = .descriptor(HeldPhoto(fd: c.descriptors.removeFirst(), name: cr.name ?? "photo"))
            case .bytes:
                guard !frame.attachment.isEmpty else {
                    queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.photoInvalid,
                        "the caption request said photo=bytes but the frame has no attachment")))).encoded(), on: c)
                    return
                }
                photo = .bytes(frame.attachment)
            }
        }
        // MARK: - reading
        // A products import reads the passed file on a thread of its own, however large it is.
        if case .importProducts = request.body {
            guard let fileHandler = server.fileHandler, !c.descriptors.isEmpty else {
                queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.badRequest,
                    "products_import needs the file passed as a descriptor with the request")))).encoded(), on: c)
                return
            }
            let fd = c.descriptors.removeFirst()
            c.pendingReplies += 1
            let cid = c.id
            let rid = request.id
            fileHandler(request, fd) { [weak server] body in server?.post(cid, body, id: rid) }
            return
        }
        // Subscribed before the router answers, so no event after the answer is missed.
        if case .events = request.body, !c.subscribed {
            guard listeners < l.maxListeners else {
                logWarning("server", "too many event listeners; answering busy", ["peer": c.peer, "limit": l.maxListeners])
                queue(Wire.frame(Response(id: request.id, .failure(RemoteError(.busy,
                    "assistd has \(l.maxListeners) event listeners (max_listeners); close one or try again later")))).encoded(), on: c)
                return
            }
            c.subscribed = true
        }
        c.pendingReplies += 1
        let cid = c.id
        let rid = request.id
        server.handler(request, photo) { [weak server] body in server?.post(cid, body, id: rid) }
    }
}

extension SocketServer {
    /// Whether `uid` (primary group `gid`) is a member of `group` by the user database: its
    /// primary gid or one of its supplementary groups. Blocks on NSS; called off the poll thread.
    static func isMember(uid: uid_t, gid: gid_t, of g: gid_t) -> Bool {
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
}

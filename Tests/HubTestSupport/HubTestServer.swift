import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server in the hub's URL layout, for install tests.
///
/// Serves `<repos>/<owner>/<name>/<file>` as:
/// - `GET /api/models/<owner>/<name>/revision/<rev>?blobs=true`: the metadata JSON (`sha`,
///   `siblings[].rfilename/size/blobId/lfs{sha256,size,pointerSize}`);
/// - `GET /<owner>/<name>/resolve/<rev>/<file>`: small files directly; LFS files (weights) by a
///   302 to a second listener on another loopback address standing in for the LFS CDN, which
///   (like S3 with a signed URL) refuses requests that carry an Authorization header.
/// Both honour `Range: bytes=N-`. Hashes are computed with coreutils (`sha256sum`, `sha1sum`),
/// not with the code under test. Faults are switched on per test: drop a connection after N
/// body bytes, ignore Range, corrupt a file, stall, require a token.
public final class HubTestServer: @unchecked Sendable {
    public struct Logged: Equatable, Sendable {
        public var host: String
        public var path: String
        public var range: String?
        public var authorization: String?
        public var status: Int
        /// Body bytes actually sent.
        public var bodyBytes: Int
    }

    public let repos: URL
    private let lock = NSLock()
    private var _log: [Logged] = []
    private var _dropAfter: [String: Int] = [:]
    private var _ignoreRange = false
    private var _corrupt: Set<String> = []
    /// File name -> body bytes sent before the stall.
    private var _stall: [String: Int] = [:]
    private var _requiredToken: String?
    private var stopped = false
    private var listeners: [(fd: Int32, host: String, port: UInt16)] = []
    private var threads: [Thread] = []

    public var hubPort: UInt16 { listeners[0].port }
    public var cdnHost: String { listeners[1].host }
    public var endpoint: URL { URL(string: "http://127.0.0.1:\(hubPort)")! }

    public init(repos: URL) throws {
        self.repos = repos
        listeners.append(try Self.listen(host: "127.0.0.1"))
        // Another loopback address gives the CDN a different host, as on the real hub.
        if let cdn = try? Self.listen(host: "127.0.0.2") {
            listeners.append(cdn)
        } else {
            listeners.append(try Self.listen(host: "127.0.0.1"))
        }
        for (index, listener) in listeners.enumerated() {
            let thread = Thread { [self] in acceptLoop(listener.fd, isCDN: index == 1, host: listener.host, port: listener.port) }
            thread.start()
            threads.append(thread)
        }
    }

    public func stop() {
        withLock { stopped = true }
        // The accept loops poll with a 100 ms timeout and see `stopped`; give them up to 2 s.
        for _ in 0..<20 where threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.1) }
        for listener in listeners { close(listener.fd) }
    }

    public var log: [Logged] { withLock { _log } }
    public func clearLog() { withLock { _log = [] } }
    /// Close the connection after `bytes` body bytes of the next GET of `file` (once).
    public func dropAfter(_ file: String, bytes: Int) { withLock { _dropAfter[file] = bytes } }
    public func setIgnoreRange(_ value: Bool) { withLock { _ignoreRange = value } }
    public func setCorrupt(_ file: String, _ value: Bool) { withLock { if value { _corrupt.insert(file) } else { _corrupt.remove(file) } } }
    /// Send the headers of `file` and its first `afterBytes` body bytes, then nothing until the
    /// client gives up or goes away (at most 10 s of silence). Applies to every GET of the file
    /// until `clearStall`.
    public func setStall(_ file: String, afterBytes: Int = 0) { withLock { _stall[file] = afterBytes } }
    public func clearStall(_ file: String) { withLock { _ = _stall.removeValue(forKey: file) } }
    public func requireToken(_ token: String?) { withLock { _requiredToken = token } }

    private func withLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    // MARK: - Sockets

    private static func listen(host: String) throws -> (fd: Int32, host: String, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, host, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop(_ fd: Int32, isCDN: Bool, host: String, port: UInt16) {
        while !withLock({ stopped }) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Thread.detachNewThread { [self] in
                handle(client, isCDN: isCDN, authority: "\(host):\(port)")
                close(client)
            }
        }
    }

    private func readRequest(_ fd: Int32) -> (target: String, headers: [String: String])? {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while buffer.count < 65536 {
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer += chunk[0..<n]
            if buffer.count >= 4, (0...(buffer.count - 4)).contains(where: { Array(buffer[$0..<$0 + 4]) == end }) { break }
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2, requestLine[0] == "GET" else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (String(requestLine[1]), headers)
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return sent }
            sent += n
        }
        return sent
    }

    private func respond(_ fd: Int32, status: Int, headers: [String: String] = [:], body: [UInt8] = [], fullLength: Int? = nil,
                         sendLimit: Int? = nil) -> Int {
        let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
                       404: "Not Found", 416: "Range Not Satisfiable"]
        var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\nConnection: close\r\n"
        head += "Content-Length: \(fullLength ?? body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        guard send(fd, Array(head.utf8)) == head.utf8.count else { return 0 }
        let toSend = sendLimit.map { Array(body.prefix($0)) } ?? body
        return send(fd, toSend)
    }

    // MARK: - Routes

    private func handle(_ fd: Int32, isCDN: Bool, authority: String) {
        guard let (target, headers) = readRequest(fd) else { return }
        let path = String(target.split(separator: "?", maxSplits: 1)[0]).removingPercentEncoding ?? target
        let query = target.contains("?") ? String(target.split(separator: "?", maxSplits: 1)[1]) : ""
        var entry = Logged(host: authority, path: path, range: headers["range"], authorization: headers["authorization"],
                           status: 0, bodyBytes: 0)
        defer { withLock { _log.append(entry) } }
        let parts = path.split(separator: "/").map(String.init)

        if isCDN {
            // /lfs/<owner>/<name>/<file>
            guard parts.count == 4, parts[0] == "lfs" else { entry.status = 404; _ = respond(fd, status: 404); return }
            if headers["authorization"] != nil {
                entry.status = 400
                _ = respond(fd, status: 400, body: Array("Only one auth mechanism allowed".utf8))
                return
            }
            (entry.status, entry.bodyBytes) = serveFile(fd, repo: parts[1] + "/" + parts[2], file: parts[3], headers: headers)
            return
        }

        if let required = withLock({ _requiredToken }), headers["authorization"] != "Bearer \(required)" {
            entry.status = 401
            _ = respond(fd, status: 401, headers: ["X-Error-Code": "RepoNotFound"], body: Array(#"{"error":"Repository not found"}"#.utf8))
            return
        }
        if parts.count == 6, parts[0] == "api", parts[1] == "models", parts[4] == "revision" {
            let repo = parts[2] + "/" + parts[3]
            guard let files = repoFiles(repo) else {
                entry.status = 404
                _ = respond(fd, status: 404, headers: ["X-Error-Code": "RepoNotFound"], body: Array(#"{"error":"Repository not found"}"#.utf8))
                return
            }
            let commit = commitOf(repo, files: files)
            guard parts[5] == "main" || parts[5] == commit else {
                entry.status = 404
                _ = respond(fd, status: 404, headers: ["X-Error-Code": "RevisionNotFound"], body: Array(#"{"error":"Invalid rev id"}"#.utf8))
                return
            }
            let json = metadata(repo: repo, commit: commit, files: files, blobs: query.contains("blobs=true"))
            entry.status = 200
            entry.bodyBytes = respond(fd, status: 200, headers: ["Content-Type": "application/json"], body: json)
            return
        }
        if parts.count == 5, parts[2] == "resolve" {
            let repo = parts[0] + "/" + parts[1]
            guard let files = repoFiles(repo), files.contains(parts[4]),
                  parts[3] == commitOf(repo, files: files) || parts[3] == "main" else {
                entry.status = 404
                _ = respond(fd, status: 404, headers: ["X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"])
                return
            }
            if Self.isLFS(parts[4]) {
                entry.status = 302
                let location = "http://\(listeners[1].host):\(listeners[1].port)/lfs/\(repo)/\(parts[4])?X-Amz-Signature=fixture"
                _ = respond(fd, status: 302, headers: ["Location": location])
                return
            }
            (entry.status, entry.bodyBytes) = serveFile(fd, repo: repo, file: parts[4], headers: headers)
            return
        }
        entry.status = 404
        _ = respond(fd, status: 404)
    }

    private func serveFile(_ fd: Int32, repo: String, file: String, headers: [String: String]) -> (Int, Int) {
        guard var content = try? [UInt8](Data(contentsOf: repos.appendingPathComponent(repo).appendingPathComponent(file))) else {
            _ = respond(fd, status: 404)
            return (404, 0)
        }
        let (corrupt, ignoreRange, drop, stall) = withLock { () -> (Bool, Bool, Int?, Int?) in
            let drop = _dropAfter.removeValue(forKey: file)
            return (_corrupt.contains(file), _ignoreRange, drop, _stall[file])
        }
        if corrupt, !content.isEmpty { content[content.count / 2] ^= 0xff }
        var start = 0
        if !ignoreRange, let range = headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
           let first = Int(range.dropFirst(6).dropLast()) {
            guard first < content.count else {
                _ = respond(fd, status: 416, headers: ["Content-Range": "bytes */\(content.count)"])
                return (416, 0)
            }
            start = first
        }
        let status = start > 0 ? 206 : 200
        var extra = ["Accept-Ranges": "bytes", "ETag": "\"fixture\""]
        if status == 206 { extra["Content-Range"] = "bytes \(start)-\(content.count - 1)/\(content.count)" }
        let body = Array(content[start...])
        if let stall {
            let sent = respond(fd, status: status, headers: extra, body: body, sendLimit: stall)
            var byte: UInt8 = 0
            _ = recv(fd, &byte, 1, 0)   // until the client closes, or SO_RCVTIMEO (10 s)
            return (status, sent)
        }
        return (status, respond(fd, status: status, headers: extra, body: body, sendLimit: drop))
    }

    // MARK: - Repositories

    public static func isLFS(_ name: String) -> Bool {
        [".bin", ".safetensors", ".h5", ".msgpack", ".onnx"].contains { name.hasSuffix($0) }
    }

    private func repoFiles(_ repo: String) -> [String]? {
        let directory = repos.appendingPathComponent(repo)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
        return names.sorted()
    }

    /// A stand-in commit id that changes whenever any file's content changes.
    private func commitOf(_ repo: String, files: [String]) -> String {
        let digests = files.map { Self.shell("sha256sum \(Self.quote(repos.appendingPathComponent(repo).appendingPathComponent($0).path))") }
        return Self.shellInput(digests.joined(), "sha1sum").prefix(40).description
    }

    private func metadata(repo: String, commit: String, files: [String], blobs: Bool) -> [UInt8] {
        var siblings: [[String: Any]] = []
        for name in files {
            let path = repos.appendingPathComponent(repo).appendingPathComponent(name).path
            var sibling: [String: Any] = ["rfilename": name]
            if blobs {
                let size = Int(Self.shell("stat -c %s \(Self.quote(path))").trimmingCharacters(in: .whitespacesAndNewlines))!
                if Self.isLFS(name) {
                    let sha256 = String(Self.shell("sha256sum \(Self.quote(path))").prefix(64))
                    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:\(sha256)\nsize \(size)\n"
                    sibling["size"] = size
                    sibling["blobId"] = String(Self.shellInput("blob \(pointer.utf8.count)\u{0}" + pointer, "sha1sum").prefix(40))
                    sibling["lfs"] = ["sha256": sha256, "size": size, "pointerSize": pointer.utf8.count]
                } else {
                    sibling["size"] = size
                    sibling["blobId"] = String(Self.shell("{ printf 'blob %d\\0' \(size); cat \(Self.quote(path)); } | sha1sum").prefix(40))
                }
            }
            siblings.append(sibling)
        }
        let object: [String: Any] = ["_id": "fixture", "id": repo, "modelId": repo, "sha": commit, "private": false,
                                     "lastModified": "2022-02-08T00:00:00.000Z", "siblings": siblings]
        return [UInt8](try! JSONSerialization.data(withJSONObject: object))
    }

    public static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    public static func shell(_ command: String) -> String { shellInput(nil, command) }

    public static func shellInput(_ input: String?, _ command: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        let inPipe = Pipe()
        process.standardInput = inPipe
        try! process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A small Hugging Face hub client: repository metadata and resumable file downloads.
///
/// URLs follow `huggingface_hub` (`HfApi.model_info(files_metadata=True)` and `hf_hub_url`):
/// metadata from `{endpoint}/api/models/{repo_id}/revision/{revision}?blobs=true`, files from
/// `{endpoint}/{repo_id}/resolve/{commit}/{path}`. Hub errors are read from the `X-Error-Code`
/// header the way `huggingface_hub.utils.hf_raise_for_status` reads them.
public struct HubClient: Sendable {
    public static let defaultEndpoint = URL(string: "https://huggingface.co")!

    /// Base URL of the hub (`HF_ENDPOINT`); tests point it at a local server.
    public var endpoint: URL
    /// Bearer token (`HF_TOKEN`) for gated or private repositories. It is sent only to the
    /// endpoint's own host, never to the storage host a download is redirected to.
    public var token: String?
    /// Seconds without any data before a request fails.
    public var idleTimeout: TimeInterval

    public init(endpoint: URL = HubClient.defaultEndpoint, token: String? = nil, idleTimeout: TimeInterval = 60) {
        self.endpoint = endpoint
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.idleTimeout = idleTimeout
    }

    /// Reads `HF_ENDPOINT` and `HF_TOKEN` like `huggingface_hub` does (empty means unset).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, idleTimeout: TimeInterval = 60) {
        var endpoint = HubClient.defaultEndpoint
        if let value = environment["HF_ENDPOINT"], !value.isEmpty,
           let url = URL(string: value.hasSuffix("/") ? String(value.dropLast()) : value), url.scheme != nil {
            endpoint = url
        }
        self.init(endpoint: endpoint, token: environment["HF_TOKEN"], idleTimeout: idleTimeout)
    }

    // MARK: - Metadata

    /// The repository's files at `revision` (branch, tag or commit) with sizes and hashes, and the
    /// commit the revision resolves to.
    public func modelInfo(repo: String, revision: String = "main") throws -> HubModelInfo {
        let url = apiURL(repo: repo, revision: revision)
        var body = Data()
        let limit = 64 << 20
        let outcome = HTTPRequest(url: url, headers: headers(for: url, accept: "application/json"), idleTimeout: idleTimeout)
            .run(onResponse: { _ in .stream }, onData: { data in
                body.append(data)
                if body.count > limit {
                    throw ModelStoreError.invalidMetadata(repo: repo, reason: "answer larger than \(limit) bytes")
                }
            })
        if let error = outcome.callbackError { throw error }
        if let error = outcome.transportError { throw mapTransportError(error, url: url) }
        guard let response = outcome.response else {
            throw ModelStoreError.network(url: url.absoluteString, reason: "no response")
        }
        guard response.status == 200 else {
            throw hubError(response, body: body, url: url, repo: repo, revision: revision)
        }
        let info: HubModelInfo
        do {
            info = try JSONDecoder().decode(HubModelInfo.self, from: body)
        } catch {
            throw ModelStoreError.invalidMetadata(repo: repo, reason: "\(error)")
        }
        guard info.sha.count == 40, info.sha.allSatisfy(\.isHexDigit) else {
            throw ModelStoreError.invalidMetadata(repo: repo, reason: "commit '\(info.sha)' is not a 40-digit hex sha")
        }
        return info
    }

    // MARK: - Files

    /// Where the file's content is served for a commit.
    public func resolveURL(repo: String, commit: String, file: String) -> URL {
        URL(string: base + "/" + repo + "/resolve/" + commit + "/" + Self.escape(file, keepSlash: true))!
    }

    /// What one call of `download` did.
    struct DownloadOutcome {
        /// Bytes already in the part file when the transfer started (0 when it started over).
        var resumedFrom: Int64
        var received: Int64
        var sawRangeRequest: Bool
    }

    /// Downloads `url` into the part file `part`, continuing after the bytes already there with
    /// an HTTP Range request. Redirects are followed (at most 10), carrying Range but dropping
    /// Authorization when the host changes, as `huggingface_hub` does. A 200 answer to a Range
    /// request (the server ignored it) restarts the part from zero; a 206 whose Content-Range
    /// does not start at the part's length is an error.
    ///
    /// On return the part holds exactly `expectedSize` bytes, flushed to disk. A transfer that
    /// ends early throws `.interrupted` (or `.timedOut`) and leaves the bytes received so far in
    /// the part for the next attempt.
    func download(_ url: URL, file: String, to part: URL, expectedSize: Int64,
                  progress: @escaping (Int64) -> Void) throws -> DownloadOutcome {
        let writer = try PartFile(url: part)
        defer { writer.close() }
        if writer.length > expectedSize { try writer.truncate() }
        let resumedFrom = writer.length
        var outcome = DownloadOutcome(resumedFrom: resumedFrom, received: 0, sawRangeRequest: false)
        if writer.length == expectedSize { return outcome }

        var current = url
        for _ in 0...10 {
            var headers = self.headers(for: current, accept: nil)
            headers["Accept-Encoding"] = "identity"
            let start = writer.length
            if start > 0 {
                headers["Range"] = "bytes=\(start)-"
                outcome.sawRangeRequest = true
            }
            var redirect: URL?
            var failure: Error?
            let result = HTTPRequest(url: current, headers: headers, idleTimeout: idleTimeout).run(
                onResponse: { response in
                    switch response.status {
                    case 301, 302, 303, 307, 308:
                        redirect = try Self.redirectTarget(response.header("Location"), from: current, status: response.status)
                        return .discard
                    case 200:
                        if start > 0 {
                            // The server ignored Range and sends the whole file: start over.
                            try writer.truncate()
                            outcome.resumedFrom = 0
                        }
                        return .stream
                    case 206:
                        let header = response.header("Content-Range") ?? ""
                        guard let range = ContentRange(header), range.first == start,
                              range.total == nil || range.total == expectedSize else {
                            throw ModelStoreError.badContentRange(file: file, header: header, expectedStart: start)
                        }
                        return .stream
                    case 416 where start > 0:
                        // Our offset is past what the server has: start this file over.
                        try writer.truncate()
                        failure = RestartFromZero()
                        return .discard
                    default:
                        failure = self.fileError(response, url: current, file: file)
                        return .discard
                    }
                },
                onData: { data in
                    if writer.length + Int64(data.count) > expectedSize {
                        throw ModelStoreError.sizeMismatch(file: file, expected: expectedSize, actual: writer.length + Int64(data.count))
                    }
                    try writer.append(data)
                    outcome.received += Int64(data.count)
                    progress(writer.length)
                })
            try writer.sync()
            if let error = result.callbackError { throw error }
            if failure is RestartFromZero { outcome.resumedFrom = 0; continue }
            if let failure { throw failure }
            if let next = redirect {
                current = next
                continue
            }
            if result.response == nil, let error = result.transportError {
                throw mapTransportError(error, url: current)
            }
            if let error = result.transportError, (error as? URLError)?.code == .timedOut {
                throw ModelStoreError.timedOut(url: current.absoluteString, seconds: idleTimeout)
            }
            if writer.length < expectedSize {
                throw ModelStoreError.interrupted(file: file, received: writer.length, expected: expectedSize)
            }
            return outcome
        }
        throw ModelStoreError.tooManyRedirects(url: url.absoluteString)
    }

    private struct RestartFromZero: Error {}

    /// Where a redirect from `current` leads. A redirect from https to anything but https is
    /// refused: it would fetch the weights (and their expected hashes' subject) in the clear.
    static func redirectTarget(_ location: String?, from current: URL, status: Int) throws -> URL {
        guard let location, let target = URL(string: location, relativeTo: current)?.absoluteURL else {
            throw ModelStoreError.httpStatus(url: current.absoluteString, status: status, message: "redirect without Location")
        }
        if current.scheme?.lowercased() == "https", target.scheme?.lowercased() != "https" {
            throw ModelStoreError.httpStatus(url: current.absoluteString, status: status,
                                             message: "refusing the redirect to \(target.absoluteString): it leaves https")
        }
        return target
    }

    // MARK: - Helpers

    private var base: String {
        let text = endpoint.absoluteString
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    func apiURL(repo: String, revision: String) -> URL {
        URL(string: base + "/api/models/" + repo + "/revision/" + Self.escape(revision, keepSlash: false) + "?blobs=true")!
    }

    /// Percent-encodes a path segment the way `urllib.parse.quote` does in `huggingface_hub`.
    static func escape(_ text: String, keepSlash: Bool) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: "\u{0}"..."\u{7f}"))
        allowed.insert(charactersIn: "-._~" + (keepSlash ? "/" : ""))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func headers(for url: URL, accept: String?) -> [String: String] {
        var headers = ["User-Agent": "assist-modelstore/1"]
        if let accept { headers["Accept"] = accept }
        if let token, sameOrigin(url, endpoint) { headers["Authorization"] = "Bearer \(token)" }
        return headers
    }

    private func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }

    private func hubError(_ response: HTTPRequest.Response, body: Data, url: URL, repo: String, revision: String) -> ModelStoreError {
        let code = response.header("X-Error-Code") ?? ""
        switch (code, response.status) {
        case ("RepoNotFound", _), ("", 404):
            return .repoNotFound(repo: repo)
        case ("RevisionNotFound", _):
            return .revisionNotFound(repo: repo, revision: revision)
        case ("GatedRepo", _), (_, 403):
            return .accessDenied(repo: repo, status: response.status, tokenGiven: token != nil)
        case (_, 401):
            return token == nil ? .repoNotFound(repo: repo) : .accessDenied(repo: repo, status: 401, tokenGiven: true)
        default:
            return .httpStatus(url: url.absoluteString, status: response.status, message: Self.message(response, body: body))
        }
    }

    private func fileError(_ response: HTTPRequest.Response, url: URL, file: String) -> ModelStoreError {
        let message = response.header("X-Error-Message") ?? (response.header("X-Error-Code") ?? "")
        return .httpStatus(url: url.absoluteString, status: response.status, message: message.isEmpty ? file : "\(file): \(message)")
    }

    private static func message(_ response: HTTPRequest.Response, body: Data) -> String {
        if let message = response.header("X-Error-Message") { return message }
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let error = object["error"] as? String {
            return error
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    private func mapTransportError(_ error: Error, url: URL) -> ModelStoreError {
        if let error = error as? ModelStoreError { return error }
        if let urlError = error as? URLError, urlError.code == .timedOut {
            return .timedOut(url: url.absoluteString, seconds: idleTimeout)
        }
        return .network(url: url.absoluteString, reason: (error as NSError).localizedDescription)
    }
}

/// A `Content-Range: bytes first-last/total` header (RFC 9110 14.4); `total` is nil for `*`.
struct ContentRange: Equatable {
    var first: Int64
    var last: Int64
    var total: Int64?

    init?(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int64(bounds[0]), let last = Int64(bounds[1]), first <= last else { return nil }
        self.first = first
        self.last = last
        if halves[1] == "*" {
            total = nil
        } else {
            guard let total = Int64(halves[1]), total > last else { return nil }
            self.total = total
        }
    }
}

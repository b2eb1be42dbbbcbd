import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Everything that can go wrong while installing, listing or selecting a model. Each
/// description names the repository, file, URL or path involved, so that the one line `assist`
/// prints (and speaks) is enough to act on.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A repository id that is not `name` or `owner/name` made of letters, digits, `-`, `_`, `.`.
    case invalidRepoID(String)
    /// The hub has no such repository (or it is private and no valid `HF_TOKEN` was given).
    case repoNotFound(repo: String)
    case revisionNotFound(repo: String, revision: String)
    /// The repository is gated or private: the user must accept its terms and set `HF_TOKEN`.
    case accessDenied(repo: String, status: Int, tokenGiven: Bool)
    case httpStatus(url: String, status: Int, message: String)
    case network(url: String, reason: String)
    case timedOut(url: String, seconds: Double)
    case tooManyRedirects(url: String)
    case invalidMetadata(repo: String, reason: String)
    /// The repository lacks a file every checkpoint needs (config.json, weights, tokenizer).
    case notACheckpoint(repo: String, reason: String)
    case unsafeFileName(repo: String, name: String)
    /// The server answered a range request with a `Content-Range` that does not continue the file.
    case badContentRange(file: String, header: String, expectedStart: Int64)
    /// The connection ended before the whole file arrived; the part stays for the next attempt.
    case interrupted(file: String, received: Int64, expected: Int64)
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    case checksumMismatch(file: String, algorithm: String, expected: String, actual: String)
    case diskFull(path: String, needed: Int64, available: Int64)
    case io(path: String, operation: String, errno: Int32)
    /// Another `assist model install` of the same repository holds the lock.
    case busy(name: String, lockFile: String)
    case modelNotInstalled(name: String, available: [String])
    case invalidManifest(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidRepoID(let id):
            return "'\(id)' is not a Hugging Face repository id (expected owner/name, e.g. nlpconnect/vit-gpt2-image-captioning)"
        case .repoNotFound(let repo):
            return "repository \(repo) was not found on the hub (check the spelling; a private repository needs HF_TOKEN)"
        case .revisionNotFound(let repo, let revision):
            return "repository \(repo) has no revision '\(revision)'"
        case .accessDenied(let repo, let status, let tokenGiven):
            return tokenGiven
                ? "access to \(repo) was refused (HTTP \(status)): the token in HF_TOKEN is not allowed to read it (gated repository? accept its terms on the hub)"
                : "access to \(repo) was refused (HTTP \(status)): it is gated or private; set HF_TOKEN to a token that may read it"
        case .httpStatus(let url, let status, let message):
            return "HTTP \(status) from \(url)" + (message.isEmpty ? "" : ": \(message)")
        case .network(let url, let reason):
            return "cannot reach \(url): \(reason)"
        case .timedOut(let url, let seconds):
            return "no data from \(url) for \(Int(seconds)) s; giving up (run the install again to resume)"
        case .tooManyRedirects(let url):
            return "too many redirects fetching \(url)"
        case .invalidMetadata(let repo, let reason):
            return "the hub's metadata for \(repo) is not usable: \(reason)"
        case .notACheckpoint(let repo, let reason):
            return "\(repo) is not a checkpoint assist can run: \(reason)"
        case .unsafeFileName(let repo, let name):
            return "\(repo) lists a file name assist will not write: '\(name)'"
        case .badContentRange(let file, let header, let expectedStart):
            return "\(file): the server answered a resume from byte \(expectedStart) with Content-Range '\(header)'"
        case .interrupted(let file, let received, let expected):
            return "\(file): the download stopped at \(received) of \(expected) bytes; run the install again to resume"
        case .sizeMismatch(let file, let expected, let actual):
            return "\(file): expected \(expected) bytes, got \(actual)"
        case .checksumMismatch(let file, let algorithm, let expected, let actual):
            return "\(file): \(algorithm) mismatch: the hub says \(expected), the download has \(actual); the file was discarded"
        case .diskFull(let path, let needed, let available):
            return needed > 0
                ? "not enough disk space in \(path): need \(ByteCount.format(needed)) more, \(ByteCount.format(available)) free"
                : "disk full writing \(path)"
        case .io(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case .busy(let name, let lockFile):
            return "another install of \(name) is running (lock \(lockFile))"
        case .modelNotInstalled(let name, let available):
            return "no installed model named '\(name)'" + (available.isEmpty
                ? "; none is installed (assist model install)"
                : "; installed: \(available.joined(separator: ", "))")
        case .invalidManifest(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}

extension ModelStoreError {
    /// A failed system call as the store reports it: a full disk or quota as `.diskFull`, so
    /// that `assist` can say what to free, anything else as `.io` naming the call and path.
    init(_ error: SystemError) {
        let path = error.path ?? ""
        self = error.isDiskFull
            ? .diskFull(path: path, needed: 0, available: 0)
            : .io(path: path, operation: error.call, errno: error.errno)
    }
}

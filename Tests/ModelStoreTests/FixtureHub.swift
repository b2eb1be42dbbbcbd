import Foundation
import XCTest
@testable import ModelStore
import HubTestSupport

/// A temporary directory holding hub repositories built from Tests/ModelStoreTests/Fixtures (text
/// files) plus generated binary files, a models directory, and a `HubTestServer` serving them.
final class FixtureHub {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tiny-captioner")
    static let repo = "tiny-org/tiny-captioner"
    static let weightsSize = 300_000

    let temp: URL
    let repos: URL
    let models: URL
    let server: HubTestServer
    let store: ModelStore

    init() throws {
        temp = FileManager.default.temporaryDirectory.appendingPathComponent("modelstore-\(UUID().uuidString)")
        repos = temp.appendingPathComponent("hub")
        models = temp.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: repos, withIntermediateDirectories: true)
        _ = try Self.makeRepo(Self.repo, in: repos, weightsSeed: 1)
        server = try HubTestServer(repos: repos)
        store = ModelStore(root: models)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: temp)
    }

    func client(token: String? = nil, idleTimeout: TimeInterval = 10) -> HubClient {
        HubClient(endpoint: server.endpoint, token: token, idleTimeout: idleTimeout)
    }

    func options(retries: Int = 0) -> InstallOptions {
        var options = InstallOptions()
        options.retries = retries
        options.retryDelay = 0.01
        return options
    }

    func repoDirectory(_ repo: String) -> URL { repos.appendingPathComponent(repo) }

    /// The fixture checkpoint: committed text files, a generated pytorch_model.bin (LFS, served
    /// through the CDN redirect), and other frameworks' weights that must not be fetched.
    @discardableResult
    func makeRepo(_ repo: String, weightsSeed: UInt64 = 1) throws -> URL {
        try Self.makeRepo(repo, in: repos, weightsSeed: weightsSeed)
    }

    private static func makeRepo(_ repo: String, in repos: URL, weightsSeed: UInt64) throws -> URL {
        let directory = repos.appendingPathComponent(repo)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: fixtures.path) {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        try bytes(count: weightsSize, seed: weightsSeed).write(to: directory.appendingPathComponent("pytorch_model.bin"))
        try bytes(count: 4000, seed: 7).write(to: directory.appendingPathComponent("tf_model.h5"))
        try bytes(count: 3000, seed: 8).write(to: directory.appendingPathComponent("flax_model.msgpack"))
        try bytes(count: 500, seed: 9).write(to: directory.appendingPathComponent("training_args.bin"))
        return directory
    }

    /// Deterministic stand-in bytes (xorshift64*).
    static func bytes(count: Int, seed: UInt64) -> Data {
        var state = seed &* 0x9E3779B97F4A7C15 | 1
        var data = Data(count: count)
        for i in 0..<count {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            data[i] = UInt8(truncatingIfNeeded: (state &* 0x2545F4914F6CDD1D) >> 56)
        }
        return data
    }

    /// `sha256sum` of a file, independent of the code under test.
    static func sha256sum(_ url: URL) -> String {
        String(HubTestServer.shell("sha256sum \(HubTestServer.quote(url.path))").prefix(64))
    }

    /// Entries of `models` other than hidden ones (what a user would take for installed models).
    func visibleEntries() throws -> [String] {
        guard FileManager.default.fileExists(atPath: models.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: models.path).filter { !$0.hasPrefix(".") }.sorted()
    }
}

/// Runs `body`, expecting it to throw a `ModelStoreError`, and returns that error.
func expectModelStoreError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ModelStoreError? {
    do {
        try body()
        XCTFail("expected an error", file: file, line: line)
    } catch let error as ModelStoreError {
        return error
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
    return nil
}

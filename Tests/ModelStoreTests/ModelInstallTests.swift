import Foundation
import XCTest
@testable import ModelStore
import HubTestSupport

/// `ModelStore.install` against `HubTestServer` on loopback.
final class ModelInstallTests: XCTestCase {
    static let expectedFiles = [
        "config.json", "generation_config.json", "merges.txt", "model.json", "preprocessor_config.json",
        "pytorch_model.bin", "special_tokens_map.json", "tokenizer_config.json", "vocab.json",
    ]

    func testFullInstallFetchesOnlyTheCheckpointFilesAndVerifiesThem() throws {
        let hub = try FixtureHub()
        let token = "hf_fixture_token"
        hub.server.requireToken(token)
        var events: [InstallEvent] = []
        let result = try hub.store.install(FixtureHub.repo, client: hub.client(token: token), options: hub.options()) { events.append($0) }

        let directory = hub.models.appendingPathComponent("tiny-org--tiny-captioner")
        XCTAssertEqual(result.model.directory.path, directory.path)
        XCTAssertFalse(result.alreadyInstalled)
        XCTAssertTrue(result.selected, "the first model installed becomes the selected one")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), Self.expectedFiles)
        XCTAssertEqual(try hub.visibleEntries(), ["current", "tiny-org--tiny-captioner"])

        // Every file is byte-identical to the hub's copy.
        for name in Self.expectedFiles where name != "model.json" {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent(name)),
                           try Data(contentsOf: hub.repoDirectory(FixtureHub.repo).appendingPathComponent(name)), name)
        }
        let manifest = try XCTUnwrap(result.model.manifest)
        XCTAssertEqual(manifest.repo, FixtureHub.repo)
        XCTAssertEqual(manifest.revision, "main")
        XCTAssertEqual(manifest.commit.count, 40)
        let weights = try XCTUnwrap(manifest.files.first { $0.name == "pytorch_model.bin" })
        XCTAssertEqual(weights.size, Int64(FixtureHub.weightsSize))
        XCTAssertEqual(weights.sha256, FixtureHub.sha256sum(directory.appendingPathComponent("pytorch_model.bin")))
        XCTAssertEqual(Set(manifest.files.map(\.name)), Set(Self.expectedFiles.filter { $0 != "model.json" }))
        XCTAssertEqual(result.bytesDownloaded, manifest.totalSize)

        // The weights came through the LFS redirect, with Range-free GETs, and the token never
        // left the hub's host.
        let log = hub.server.log
        let cdn = log.filter { $0.path.hasPrefix("/lfs/") }
        XCTAssertEqual(cdn.map(\.status), [200])
        XCTAssertTrue(cdn.allSatisfy { $0.host.hasPrefix(hub.server.cdnHost + ":") })
        XCTAssertTrue(cdn.allSatisfy { $0.authorization == nil })
        XCTAssertTrue(log.filter { !$0.path.hasPrefix("/lfs/") }.allSatisfy { $0.authorization == "Bearer \(token)" })
        XCTAssertFalse(log.contains { $0.path.hasSuffix("tf_model.h5") || $0.path.hasSuffix("flax_model.msgpack")
            || $0.path.hasSuffix("training_args.bin") || $0.path.hasSuffix("README.md") })
        XCTAssertNil(try? FileManager.default.contentsOfDirectory(atPath: hub.models.appendingPathComponent(".partial/tiny-org--tiny-captioner").path))

        guard case .resolved(_, let commit, let planned)? = events.first(where: { if case .resolved = $0 { return true }; return false }) else {
            return XCTFail("no resolved event")
        }
        XCTAssertEqual(commit, manifest.commit)
        XCTAssertEqual(planned.count, 8)

        // The same commit again: nothing is downloaded.
        hub.server.clearLog()
        let again = try hub.store.install(FixtureHub.repo, client: hub.client(token: token), options: hub.options())
        XCTAssertTrue(again.alreadyInstalled)
        XCTAssertEqual(hub.server.log.map(\.path), ["/api/models/tiny-org/tiny-captioner/revision/main"])
    }

    func testInterruptedDownloadLeavesNothingInstalledAndTheNextInstallResumes() throws {
        let hub = try FixtureHub()
        let cut = 120_000
        hub.server.dropAfter("pytorch_model.bin", bytes: cut)

        let error = expectModelStoreError {
            try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options(retries: 0))
        }
        XCTAssertEqual(error, .interrupted(file: "pytorch_model.bin", received: Int64(cut), expected: Int64(FixtureHub.weightsSize)))
        XCTAssertEqual(try hub.visibleEntries(), [], "an interrupted install must not look installed")
        XCTAssertEqual(try hub.store.list(), [])
        XCTAssertNil(hub.store.currentModelDirectory())
        let part = hub.models.appendingPathComponent(".partial/tiny-org--tiny-captioner/pytorch_model.bin.part")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int, cut)

        hub.server.clearLog()
        let result = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options(retries: 0))
        XCTAssertEqual(result.resumedFiles, ["pytorch_model.bin"])
        let weights = hub.server.log.filter { $0.path.hasSuffix("pytorch_model.bin") && $0.path.hasPrefix("/lfs/") }
        XCTAssertEqual(weights.map(\.range), ["bytes=\(cut)-"])
        XCTAssertEqual(weights.map(\.status), [206])
        XCTAssertEqual(weights.map(\.bodyBytes), [FixtureHub.weightsSize - cut])
        // The resolve request on the hub's host carried the Range too (it is kept across the redirect).
        XCTAssertTrue(hub.server.log.contains { $0.path.hasSuffix("/resolve/\(result.model.commit!)/pytorch_model.bin") && $0.range == "bytes=\(cut)-" })
        XCTAssertEqual(FixtureHub.sha256sum(result.model.directory.appendingPathComponent("pytorch_model.bin")),
                       FixtureHub.sha256sum(hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin")))
        XCTAssertEqual(try hub.visibleEntries(), ["current", "tiny-org--tiny-captioner"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: part.path))
    }

    func testDroppedConnectionIsRetriedWithinOneInstall() throws {
        let hub = try FixtureHub()
        hub.server.dropAfter("pytorch_model.bin", bytes: 50_000)
        var retries = 0
        let result = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options(retries: 2)) { event in
            if case .retrying = event { retries += 1 }
        }
        XCTAssertEqual(retries, 1)
        XCTAssertEqual(result.resumedFiles, ["pytorch_model.bin"])
        XCTAssertEqual(hub.server.log.filter { $0.path.hasPrefix("/lfs/") }.map(\.range), [nil, "bytes=50000-"])
    }

    func testServerIgnoringRangeRestartsTheFileCleanly() throws {
        let hub = try FixtureHub()
        hub.server.dropAfter("pytorch_model.bin", bytes: 70_000)
        XCTAssertNotNil(expectModelStoreError { try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options()) })
        hub.server.setIgnoreRange(true)
        hub.server.clearLog()
        let result = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options())
        let weights = hub.server.log.filter { $0.path.hasPrefix("/lfs/") }
        XCTAssertEqual(weights.map(\.range), ["bytes=70000-"])
        XCTAssertEqual(weights.map(\.status), [200])
        XCTAssertEqual(result.resumedFiles, [])
        XCTAssertEqual(try Data(contentsOf: result.model.directory.appendingPathComponent("pytorch_model.bin")),
                       try Data(contentsOf: hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin")))
    }

    func testChecksumMismatchOfWeightsIsReportedAndNothingIsInstalled() throws {
        let hub = try FixtureHub()
        hub.server.setCorrupt("pytorch_model.bin", true)
        let error = expectModelStoreError { try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options()) }
        var corrupted = try Data(contentsOf: hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin"))
        let expected = FixtureHub.sha256sum(hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin"))
        corrupted[corrupted.count / 2] ^= 0xff
        XCTAssertEqual(error, .checksumMismatch(file: "pytorch_model.bin", algorithm: "SHA-256", expected: expected, actual: SHA256.hex(corrupted)))
        XCTAssertTrue(error?.description.contains("pytorch_model.bin") ?? false)
        XCTAssertTrue(error?.description.contains(expected) ?? false)
        XCTAssertEqual(try hub.visibleEntries(), [])
        XCTAssertFalse(FileManager.default.fileExists(
            atPath: hub.models.appendingPathComponent(".partial/tiny-org--tiny-captioner/pytorch_model.bin.part").path),
            "a part with the wrong content must not be resumed")

        // Once the server is fixed, the install succeeds.
        hub.server.setCorrupt("pytorch_model.bin", false)
        XCTAssertNoThrow(try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options()))
    }

    func testChecksumMismatchOfSmallFileUsesGitBlobId() throws {
        let hub = try FixtureHub()
        hub.server.setCorrupt("vocab.json", true)
        let error = expectModelStoreError { try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options()) }
        guard case .checksumMismatch(let file, let algorithm, let expected, let actual)? = error else {
            return XCTFail("expected a checksum mismatch, got \(String(describing: error))")
        }
        XCTAssertEqual(file, "vocab.json")
        XCTAssertEqual(algorithm, "Git blob SHA-1")
        let vocab = hub.repoDirectory(FixtureHub.repo).appendingPathComponent("vocab.json").path
        XCTAssertEqual(expected, String(HubTestServer.shell("git hash-object \(HubTestServer.quote(vocab)) 2>/dev/null || { printf 'blob %d\\0' $(stat -c %s \(HubTestServer.quote(vocab))); cat \(HubTestServer.quote(vocab)); } | sha1sum").prefix(40)))
        XCTAssertNotEqual(expected, actual)
        XCTAssertEqual(try hub.visibleEntries(), [])
    }

    func testUnknownRepoAndRevisionAreClearErrors() throws {
        let hub = try FixtureHub()
        XCTAssertEqual(expectModelStoreError { try hub.store.install("tiny-org/no-such-model", client: hub.client(), options: hub.options()) },
                       .repoNotFound(repo: "tiny-org/no-such-model"))
        var options = hub.options()
        options.revision = "v9"
        XCTAssertEqual(expectModelStoreError { try hub.store.install(FixtureHub.repo, client: hub.client(), options: options) },
                       .revisionNotFound(repo: FixtureHub.repo, revision: "v9"))
        XCTAssertEqual(expectModelStoreError { try hub.store.install("../etc", client: hub.client(), options: hub.options()) },
                       .invalidRepoID("../etc"))
        // A private repository without a token looks like a missing one, as on the hub.
        hub.server.requireToken("secret")
        XCTAssertEqual(expectModelStoreError { try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options()) },
                       .repoNotFound(repo: FixtureHub.repo))
        XCTAssertEqual(try hub.visibleEntries(), [])
    }

    func testRepoWithoutUsableWeightsOrConfigIsRefused() throws {
        let hub = try FixtureHub()
        let tfOnly = try hub.makeRepo("tiny-org/tf-only")
        try FileManager.default.removeItem(at: tfOnly.appendingPathComponent("pytorch_model.bin"))
        let error = expectModelStoreError { try hub.store.install("tiny-org/tf-only", client: hub.client(), options: hub.options()) }
        guard case .notACheckpoint(_, let reason)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertEqual(reason, "no model.safetensors or pytorch_model.bin (it has only flax_model.msgpack, tf_model.h5)")

        let noConfig = try hub.makeRepo("tiny-org/no-config")
        try FileManager.default.removeItem(at: noConfig.appendingPathComponent("config.json"))
        XCTAssertEqual(expectModelStoreError { try hub.store.install("tiny-org/no-config", client: hub.client(), options: hub.options()) },
                       .notACheckpoint(repo: "tiny-org/no-config", reason: "it has no config.json"))
        XCTAssertEqual(try hub.visibleEntries(), [])
    }

    func testMissingPreprocessorConfigIsTakenFromTheEncodersBaseCheckpoint() throws {
        let hub = try FixtureHub()
        let repo = try hub.makeRepo("tiny-org/vizwiz-like")
        try FileManager.default.removeItem(at: repo.appendingPathComponent("preprocessor_config.json"))
        let base = hub.repoDirectory("google/vit-base-patch16-224-in21k")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: FixtureHub.fixtures.appendingPathComponent("preprocessor_config.json"),
                                         to: base.appendingPathComponent("preprocessor_config.json"))

        let result = try hub.store.install("tiny-org/vizwiz-like", client: hub.client(), options: hub.options())
        let file = try XCTUnwrap(result.model.manifest?.files.first { $0.name == "preprocessor_config.json" })
        XCTAssertTrue(file.source?.hasPrefix("google/vit-base-patch16-224-in21k@") ?? false)
        XCTAssertTrue(FileManager.default.fileExists(atPath: result.model.directory.appendingPathComponent("preprocessor_config.json").path))

        // Without a substitute, or for an encoder of other shapes, the repository is refused.
        let strictRepo = try hub.makeRepo("tiny-org/vizwiz-strict")
        try FileManager.default.removeItem(at: strictRepo.appendingPathComponent("preprocessor_config.json"))
        var strict = hub.options()
        strict.preprocessorFallbackRepo = nil
        guard case .notACheckpoint(_, let reason)? = expectModelStoreError({
            try hub.store.install("tiny-org/vizwiz-strict", client: hub.client(), options: strict)
        }) else { return XCTFail("expected a refusal") }
        XCTAssertTrue(reason.contains("preprocessor_config.json"), reason)

        let config = strictRepo.appendingPathComponent("config.json")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"image_size\": 224", with: "\"image_size\": 384")
            .write(to: config, atomically: true, encoding: .utf8)
        guard case .notACheckpoint(_, let reason384)? = expectModelStoreError({
            try hub.store.install("tiny-org/vizwiz-strict", client: hub.client(), options: hub.options())
        }) else { return XCTFail("expected a refusal") }
        XCTAssertTrue(reason384.contains("224x224"), reason384)
        XCTAssertEqual(try hub.visibleEntries(), ["current", "tiny-org--vizwiz-like"])
    }

    func testShardedSafetensorsCheckpoint() throws {
        let hub = try FixtureHub()
        let repo = try hub.makeRepo("tiny-org/sharded")
        try FileManager.default.removeItem(at: repo.appendingPathComponent("pytorch_model.bin"))
        try FixtureHub.bytes(count: 20_000, seed: 3).write(to: repo.appendingPathComponent("model-00001-of-00002.safetensors"))
        try FixtureHub.bytes(count: 10_000, seed: 4).write(to: repo.appendingPathComponent("model-00002-of-00002.safetensors"))
        try Data(#"{"metadata": {"total_size": 30000}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors", "c.bias": "model-00001-of-00002.safetensors"}}"#.utf8)
            .write(to: repo.appendingPathComponent("model.safetensors.index.json"))
        let result = try hub.store.install("tiny-org/sharded", client: hub.client(), options: hub.options())
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: result.model.directory.path))
        XCTAssertTrue(names.isSuperset(of: ["model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]))
        XCTAssertFalse(names.contains("pytorch_model.bin"))
    }

    func testStalledServerTimesOutAndKeepsThePart() throws {
        let hub = try FixtureHub()
        hub.server.setStall("pytorch_model.bin")
        let started = Date()
        let error = expectModelStoreError {
            try hub.store.install(FixtureHub.repo, client: hub.client(idleTimeout: 1), options: hub.options())
        }
        guard case .timedOut? = error else { return XCTFail("expected a timeout, got \(String(describing: error))") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertEqual(try hub.visibleEntries(), [])
    }

    func testReinstallAtANewCommitReplacesTheModel() throws {
        let hub = try FixtureHub()
        let first = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options())
        try FixtureHub.bytes(count: FixtureHub.weightsSize, seed: 99)
            .write(to: hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin"))
        let second = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options())
        XCTAssertFalse(second.alreadyInstalled)
        XCTAssertNotEqual(first.model.commit, second.model.commit)
        XCTAssertEqual(try hub.store.list().map(\.commit), [second.model.commit])
        XCTAssertEqual(FixtureHub.sha256sum(second.model.directory.appendingPathComponent("pytorch_model.bin")),
                       FixtureHub.sha256sum(hub.repoDirectory(FixtureHub.repo).appendingPathComponent("pytorch_model.bin")))
        XCTAssertEqual(try hub.visibleEntries(), ["current", "tiny-org--tiny-captioner"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: hub.models.appendingPathComponent(".partial").path)
            .filter { !$0.hasSuffix(".lock") }, [])
    }
}

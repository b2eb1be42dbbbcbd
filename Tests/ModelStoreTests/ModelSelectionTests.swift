import Foundation
import XCTest
@testable import ModelStore

/// `list`, `use`, `currentModelDirectory` and the store's paths.
final class ModelSelectionTests: XCTestCase {
    func testListAndUse() throws {
        let hub = try FixtureHub()
        try hub.makeRepo("other-org/second-captioner", weightsSeed: 5)
        XCTAssertEqual(try hub.store.list(), [])
        XCTAssertNil(hub.store.currentModelDirectory())

        let first = try hub.store.install(FixtureHub.repo, client: hub.client(), options: hub.options())
        let second = try hub.store.install("other-org/second-captioner", client: hub.client(), options: hub.options())
        XCTAssertTrue(first.selected)
        XCTAssertFalse(second.selected, "a later install does not take over the selection by default")

        var models = try hub.store.list()
        XCTAssertEqual(models.map(\.name), ["other-org--second-captioner", "tiny-org--tiny-captioner"])
        XCTAssertEqual(models.map(\.repo), ["other-org/second-captioner", FixtureHub.repo])
        XCTAssertEqual(models.map(\.isSelected), [false, true])
        XCTAssertEqual(models[0].size, second.model.manifest!.totalSize)
        XCTAssertGreaterThan(models[0].size, Int64(FixtureHub.weightsSize))
        XCTAssertEqual(hub.store.currentModelDirectory()?.path, first.model.directory.path)

        try hub.store.use("other-org--second-captioner")
        models = try hub.store.list()
        XCTAssertEqual(models.map(\.isSelected), [true, false])
        XCTAssertEqual(hub.store.currentModelDirectory()?.path, second.model.directory.path)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: hub.models.appendingPathComponent("current").path),
                       "other-org--second-captioner")

        // A repository id works as well as a directory name.
        XCTAssertEqual(try hub.store.use(FixtureHub.repo).name, "tiny-org--tiny-captioner")
        XCTAssertEqual(hub.store.currentModel()?.repo, FixtureHub.repo)

        XCTAssertEqual(expectModelStoreError { try hub.store.use("nothing-here") },
                       .modelNotInstalled(name: "nothing-here", available: ["other-org--second-captioner", "tiny-org--tiny-captioner"]))
        XCTAssertNotNil(expectModelStoreError { try hub.store.use("../models") })
        XCTAssertEqual(hub.store.currentModelDirectory()?.path, first.model.directory.path, "a failed use changes nothing")

        var always = hub.options()
        always.select = .always
        XCTAssertTrue(try hub.store.install("other-org/second-captioner", client: hub.client(), options: always).selected)
        XCTAssertEqual(hub.store.currentModelDirectory()?.path, second.model.directory.path)
    }

    func testHandCopiedCheckpointIsListedAndUsable() throws {
        let hub = try FixtureHub()
        let manual = hub.models.appendingPathComponent("my-checkpoint")
        try FileManager.default.createDirectory(at: manual, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: FixtureHub.fixtures.appendingPathComponent("config.json"), to: manual.appendingPathComponent("config.json"))
        try FileManager.default.createDirectory(at: hub.models.appendingPathComponent("not-a-model"), withIntermediateDirectories: true)
        let models = try hub.store.list()
        XCTAssertEqual(models.map(\.name), ["my-checkpoint"])
        XCTAssertNil(models[0].repo)
        try hub.store.use("my-checkpoint")
        XCTAssertEqual(hub.store.currentModelDirectory()?.path, manual.path)
    }

    func testDefaultRootFollowsXDG() {
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/u"]).path, "/data/assist/models")
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["HOME": "/home/u"]).path, "/home/u/.local/share/assist/models")
        XCTAssertEqual(ModelStore.defaultRoot(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/u"]).path,
                       "/home/u/.local/share/assist/models")
    }

    func testDirectoryNames() throws {
        XCTAssertEqual(try ModelStore.directoryName(forRepo: "nlpconnect/vit-gpt2-image-captioning"), "nlpconnect--vit-gpt2-image-captioning")
        XCTAssertEqual(try ModelStore.directoryName(forRepo: "gpt2"), "gpt2")
        for bad in ["", "/", "a/b/c", "a/../b", "..", "a/.hidden", "a--b/c", "a/b c", "a/-b"] {
            XCTAssertThrowsError(try ModelStore.directoryName(forRepo: bad), bad)
        }
    }

    func testHubClientReadsEnvironment() {
        let client = HubClient(environment: ["HF_ENDPOINT": "http://127.0.0.1:9/", "HF_TOKEN": "abc"])
        XCTAssertEqual(client.endpoint.absoluteString, "http://127.0.0.1:9")
        XCTAssertEqual(client.token, "abc")
        XCTAssertEqual(client.resolveURL(repo: "o/n", commit: "c", file: "a b.json").absoluteString, "http://127.0.0.1:9/o/n/resolve/c/a%20b.json")
        XCTAssertEqual(client.apiURL(repo: "o/n", revision: "refs/pr/1").absoluteString,
                       "http://127.0.0.1:9/api/models/o/n/revision/refs%2Fpr%2F1?blobs=true")
        let defaults = HubClient(environment: ["HF_TOKEN": ""])
        XCTAssertEqual(defaults.endpoint.absoluteString, "https://huggingface.co")
        XCTAssertNil(defaults.token)
    }

    func testContentRangeParsing() {
        XCTAssertEqual(ContentRange("bytes 100-299/300"), ContentRange("bytes 100-299/300"))
        XCTAssertEqual(ContentRange("bytes 100-299/300")?.first, 100)
        XCTAssertEqual(ContentRange("bytes 100-299/300")?.total, 300)
        XCTAssertNil(ContentRange("bytes 100-299/*")?.total)
        XCTAssertNotNil(ContentRange("bytes 100-299/*"))
        for bad in ["", "bytes */300", "bytes 300-100/400", "items 0-1/2", "bytes 0-299/299", "bytes 0-1"] {
            XCTAssertNil(ContentRange(bad), bad)
        }
    }
}

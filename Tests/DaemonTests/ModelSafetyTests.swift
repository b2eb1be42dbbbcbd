import Foundation
import XCTest
import Glibc
import HubTestSupport

/// Models that would take the daemon down at every start under `Restart=on-failure`, with the
/// built binaries: a load the process does not survive leaves the loading marker and the next
/// start skips that model; a model too large for the memory available is not loaded; and on a
/// small device `assist model install` writes and selects the int8 copy. The device's memory
/// comes from a meminfo file named by ASSIST_MEMINFO, read by the same parser as /proc/meminfo.
final class ModelSafetyTests: XCTestCase {
    static let marker = "model-loading.json"

    /// A copy of the tiny fixture whose weights are a FIFO: opening it blocks, so the load stays
    /// in the checkpoint reader for as long as the test likes, as a huge model's load does while
    /// its pages come in. SIGKILL then does what the OOM killer does.
    static func hangingModel(in root: String) throws -> String {
        let dir = root + "/hanging-model"
        try FileManager.default.copyItem(atPath: try XCTUnwrap(DaemonHarness.fixtureModel), toPath: dir)
        try FileManager.default.removeItem(atPath: dir + "/model.safetensors")
        XCTAssertEqual(mkfifo(dir + "/model.safetensors", 0o600), 0, String(cString: strerror(errno)))
        return dir
    }

    static func writeMeminfo(_ path: String, totalKB: Int, availableKB: Int) throws {
        try "MemTotal:       \(totalKB) kB\nMemFree:        \(availableKB / 2) kB\nMemAvailable:   \(availableKB) kB\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
    }

    func testAModelWhoseLoadKilledTheDaemonIsSkippedAtTheNextStart() throws {
        let h = try DaemonHarness()
        let model = try Self.hangingModel(in: h.root)
        // A later line wins: the config now names the hanging model.
        let config = try FileHandle(forWritingTo: URL(fileURLWithPath: h.configPath))
        try config.seekToEnd()
        try config.write(contentsOf: Data("model = \(model)\n".utf8))
        try config.close()
        let marker = h.state + "/" + Self.marker

        try h.start()
        XCTAssertTrue(h.wait(timeout: 20) { FileManager.default.fileExists(atPath: marker) }, "no loading marker; log:\n\(h.currentLog)")
        let text = try String(contentsOfFile: marker, encoding: .utf8)
        XCTAssertTrue(text.contains(model), "the marker names the model: \(text)")
        XCTAssertEqual(ModelClientTests.modelStatus(h)["state"] as? String, "loading")
        h.kill9()
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the marker must survive the kill")

        // The next start does not open the FIFO again (it would hang in `loading`).
        try h.start()
        let skipped = ModelClientTests.waitForModel(h, timeout: 20) { ($0["state"] as? String) == "missing" }
        XCTAssertEqual(skipped["state"] as? String, "missing", "\(skipped); log:\n\(h.currentLog)")
        XCTAssertEqual(skipped["loaded"] as? Bool, false)
        let problem = skipped["problem"] as? String ?? ""
        XCTAssertTrue(problem.contains("was skipped: loading it stopped assistd"), problem)
        XCTAssertEqual(skipped["problem_kind"] as? String, "load_crashed")
        XCTAssertTrue(problem.contains("assist model reload"), problem)
        XCTAssertTrue(h.currentLog.contains("skipping the model whose last load stopped assistd"), h.currentLog)
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "kept, so later starts skip it too")
        let plain = try h.client(["status"])
        XCTAssertTrue(plain.stdout.contains("was skipped"), plain.stdout)
        // Photos are still described, without a caption.
        let photo = try h.drop("photo.jpg", try Data(contentsOf: URL(fileURLWithPath: ModelClientTests.image)))
        let described = h.waitForResult(photo)
        XCTAssertEqual(described?.state, "done", "\(String(describing: described))")
        XCTAssertNil(described?.caption)

        // `assist model reload` tries it again: the load hangs in the reader once more.
        let reload = try h.client(["model", "reload"])
        XCTAssertEqual(reload.status, 0, reload.stderr)
        XCTAssertTrue(reload.stdout.contains("loading \(model)"), reload.stdout)
        XCTAssertEqual(ModelClientTests.modelStatus(h)["state"] as? String, "loading")
        // A writer that closes at once ends each open with an empty file (the memory estimate
        // and the load each open it), so the load ends with an error, which removes the marker.
        var failed: [String: Any] = [:]
        h.wait(timeout: 20) {
            let writer = open(model + "/model.safetensors", O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            failed = ModelClientTests.modelStatus(h)
            return (failed["state"] as? String) == "missing"
        }
        XCTAssertTrue((failed["problem"] as? String ?? "").contains("cannot be loaded"), "\(failed)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a load that ends with an error removes the marker")

        // Repaired in place, it loads on the next reload and survives restarts.
        try FileManager.default.removeItem(atPath: model + "/model.safetensors")
        try FileManager.default.copyItem(atPath: try XCTUnwrap(DaemonHarness.fixtureModel) + "/model.safetensors",
                                         toPath: model + "/model.safetensors")
        XCTAssertEqual(try h.client(["model", "reload"]).status, 0)
        let loaded = ModelClientTests.waitForModel(h, timeout: 30) { ($0["state"] as? String) == "loaded" }
        XCTAssertEqual(loaded["loaded"] as? Bool, true, "\(loaded)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a load that succeeded removes the marker")
    }

    /// SIGTERM during a load is a deliberate stop, not a crash: the marker goes, and the next start
    /// loads the model again instead of skipping it.
    func testStoppingDuringALoadDoesNotSkipTheModelNextTime() throws {
        let h = try DaemonHarness()
        let model = try Self.hangingModel(in: h.root)
        let config = try FileHandle(forWritingTo: URL(fileURLWithPath: h.configPath))
        try config.seekToEnd()
        try config.write(contentsOf: Data("model = \(model)\n".utf8))
        try config.close()
        let marker = h.state + "/" + Self.marker
        try h.start()
        XCTAssertTrue(h.wait(timeout: 20) { FileManager.default.fileExists(atPath: marker) }, "no loading marker; log:\n\(h.currentLog)")
        XCTAssertNotNil(h.terminate(timeout: 60), "assistd did not stop; log:\n\(h.currentLog)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "a deliberate stop removes the marker")
        try h.start()
        XCTAssertTrue(h.wait(timeout: 20) { FileManager.default.fileExists(atPath: marker) }, "loaded again, not skipped")
        XCTAssertEqual(ModelClientTests.modelStatus(h)["state"] as? String, "loading")
        h.kill9()
    }

    func testAModelTooLargeForTheMemoryAvailableIsNotLoaded() throws {
        let h = try DaemonHarness()
        let meminfo = h.root + "/meminfo"
        // 1 GB device with 51 MB free: less than the working margin alone.
        try Self.writeMeminfo(meminfo, totalKB: 1_000_000, availableKB: 50_000)
        h.extraEnvironment = ["ASSIST_MEMINFO": meminfo]
        try h.start()
        let status = ModelClientTests.waitForModel(h, timeout: 20) { ($0["state"] as? String) != "loading" }
        XCTAssertEqual(status["state"] as? String, "missing", "\(status); log:\n\(h.currentLog)")
        let problem = status["problem"] as? String ?? ""
        XCTAssertTrue(problem.contains("needs about") && problem.contains("but only 51 MB are available, so it was not loaded"), problem)
        XCTAssertTrue(problem.contains("--precision int8"), "an fp32 model's advice names the int8 copy: \(problem)")
        XCTAssertEqual(status["problem_kind"] as? String, "too_large")
        XCTAssertTrue(h.currentLog.contains("only 51 MB are available"), h.currentLog)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.state + "/" + Self.marker))

        // Memory freed: an explicit reload loads it.
        try Self.writeMeminfo(meminfo, totalKB: 1_000_000, availableKB: 800_000)
        XCTAssertEqual(try h.client(["model", "reload"]).status, 0)
        let loaded = ModelClientTests.waitForModel(h, timeout: 30) { ($0["state"] as? String) == "loaded" }
        XCTAssertEqual(loaded["loaded"] as? Bool, true, "\(loaded)")
        XCTAssertNil(loaded["problem_kind"], "cleared once it loads")
    }

    /// Less than 2 GB: `assist model install` writes `<name>--int8` (config, tokenizer and
    /// model.int8.safetensors, no fp32 weights), selects it and says so; the daemon captions with
    /// it exactly as `assistd caption` does on that directory. `--precision fp32` chooses by hand.
    func testOnASmallDeviceInstallWritesAndSelectsTheInt8Copy() throws {
        let h = try DaemonHarness()
        let hub = try ModelClientTests.LocalHub(in: h.root)
        let models = h.root + "/models"
        let meminfo = h.root + "/meminfo"
        try Self.writeMeminfo(meminfo, totalKB: 1_000_000, availableKB: 700_000)
        let env = hub.env.merging(["ASSIST_MEMINFO": meminfo]) { $1 }
        let copyName = ModelClientTests.name + "--int8"

        let r = try h.client(["--json", "model", "install", ModelClientTests.repo, "--models", models], env: env, timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = ModelClientTests.object(r.stdout)
        XCTAssertEqual(o["precision"] as? String, "int8")
        XCTAssertEqual(o["precisionChosenBy"] as? String, "memory")
        XCTAssertEqual(o["memoryBytes"] as? Int, 1_000_000 * 1024)
        XCTAssertEqual(o["int8Written"] as? Bool, true)
        let copy = o["int8Copy"] as? [String: Any] ?? [:]
        XCTAssertEqual(copy["name"] as? String, copyName)
        XCTAssertEqual(copy["selected"] as? Bool, true)
        XCTAssertEqual(copy["precision"] as? String, "int8")
        let list = try h.client(["model", "list", "--models", models])
        XCTAssertTrue(list.stdout.contains("* \(copyName)") && list.stdout.contains(", int8 copy"), list.stdout)
        XCTAssertEqual((o["model"] as? [String: Any])?["selected"] as? Bool, false, "the fp32 download is kept but not selected")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: models + "/current"), copyName)
        let dir = models + "/" + copyName
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        XCTAssertTrue(files.isSuperset(of: ["model.int8.safetensors", "config.json", "tokenizer.json", "model.json"]), "\(files)")
        XCTAssertFalse(files.contains("model.safetensors"), "\(files)")
        let manifest = ModelClientTests.object(try String(contentsOfFile: dir + "/model.json", encoding: .utf8))
        XCTAssertEqual(manifest["precision"] as? String, "int8")
        XCTAssertEqual(manifest["quantizedFrom"] as? String, ModelClientTests.name)
        XCTAssertEqual(manifest["repo"] as? String, ModelClientTests.repo)

        // The daemon, started afterwards with the models directory, loads the int8 copy.
        try FileManager.default.removeItem(atPath: h.configPath)
        try "watch = \(h.inbox)\nstate_dir = \(h.state)\nsocket = \(h.socket)\nspeech = wav:\(h.wav)\nmodels_dir = \(models)\nrescan_interval = 0\n"
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        h.extraEnvironment = ["ASSIST_MEMINFO": meminfo]
        try h.start()
        let loaded = ModelClientTests.waitForModel(h, timeout: 30) { ($0["state"] as? String) == "loaded" }
        XCTAssertEqual(loaded["name"] as? String, copyName, "\(loaded); log:\n\(h.currentLog)")
        let oneShot = try ModelClientTests.oneShot(model: dir, image: ModelClientTests.image)
        let fromDaemon = try ModelClientTests.daemonCaption(h, image: ModelClientTests.image)
        XCTAssertFalse(oneShot.tokens.isEmpty)
        XCTAssertEqual(fromDaemon.tokens, oneShot.tokens)

        // Again: nothing downloaded, the copy is up to date; said in words without --json.
        let again = try h.client(["model", "install", ModelClientTests.repo, "--models", models], env: env, timeout: 120)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("less than 2 GB, so assist uses the int8 copy"), again.stdout)
        XCTAssertTrue(again.stdout.contains("The int8 copy \(copyName) is up to date."), again.stdout)
        XCTAssertTrue(again.stdout.contains("It is now the model in use."), again.stdout)

        // By hand: fp32 on the small device selects the download.
        let fp32 = try h.client(["--json", "model", "install", ModelClientTests.repo, "--models", models, "--precision", "fp32"],
                                env: env, timeout: 120)
        XCTAssertEqual(fp32.status, 0, fp32.stderr)
        let f = ModelClientTests.object(fp32.stdout)
        XCTAssertEqual(f["precision"] as? String, "fp32")
        XCTAssertEqual(f["precisionChosenBy"] as? String, "flag")
        XCTAssertNil(f["int8Copy"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: models + "/current"), ModelClientTests.name)

        let bad = try h.client(["model", "install", ModelClientTests.repo, "--models", models, "--precision", "int4"], env: env)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--precision must be fp32 or int8"), bad.stderr)
    }

    /// 2 GB or more: the default stays the fp32 download, and no int8 copy is written.
    func testOnALargerDeviceInstallKeepsFp32() throws {
        let h = try DaemonHarness()
        let hub = try ModelClientTests.LocalHub(in: h.root)
        let models = h.root + "/models"
        let meminfo = h.root + "/meminfo"
        try Self.writeMeminfo(meminfo, totalKB: 4_000_000, availableKB: 3_000_000)
        let r = try h.client(["--json", "model", "install", ModelClientTests.repo, "--models", models],
                             env: hub.env.merging(["ASSIST_MEMINFO": meminfo]) { $1 })
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = ModelClientTests.object(r.stdout)
        XCTAssertEqual(o["precision"] as? String, "fp32")
        XCTAssertEqual(o["precisionChosenBy"] as? String, "default")
        XCTAssertNil(o["int8Copy"])
        XCTAssertEqual(ModelClientTests.visibleEntries(models), ["current", ModelClientTests.name])
    }
}

import Foundation
import XCTest
import Glibc
import HubTestSupport

/// `assist model install|list|use` as a person runs them, against a loopback server in the
/// Hugging Face hub's URL layout that serves the tiny fixture checkpoints, and the running daemon
/// taking up the installed model without a restart. Waits poll with deadlines, never fixed sleeps.
final class ModelClientTests: XCTestCase {
    static let repo = "tiny-org/tiny-st"
    static let name = "tiny-org--tiny-st"
    static let secondRepo = "tiny-org/tiny-bin"
    static let secondName = "tiny-org--tiny-bin"
    static let weights = "model.safetensors"
    static let missingModel = "/nonexistent/assist-test-model"

    /// Hub repositories made of two fixture checkpoints (tiny-st: safetensors; tiny-bin:
    /// pytorch_model.bin with other weights), served by `HubTestServer`.
    final class LocalHub {
        let directory: URL
        let server: HubTestServer

        init(in root: String) throws {
            directory = URL(fileURLWithPath: root + "/hub")
            for (repo, fixture) in [(ModelClientTests.repo, "tiny-st"), (ModelClientTests.secondRepo, "tiny-bin")] {
                let target = directory.appendingPathComponent(repo)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: DaemonHarness.fixtures.appendingPathComponent("models/\(fixture)"), to: target)
            }
            server = try HubTestServer(repos: directory)
        }

        deinit { server.stop() }

        var env: [String: String] { ["HF_ENDPOINT": server.endpoint.absoluteString] }
    }

    static func fixture(_ name: String) -> String { DaemonHarness.fixtures.appendingPathComponent("models/\(name)").path }

    static var image: String {
        let images = DaemonHarness.fixtures.appendingPathComponent("images")
        let name = (try? FileManager.default.contentsOfDirectory(atPath: images.path))?.sorted().first { $0.hasSuffix(".jpg") } ?? "exif-1.jpg"
        return images.appendingPathComponent(name).path
    }

    static func object(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        XCTAssertNotNil(o, "not a JSON object: \(text)", file: file, line: line)
        return o ?? [:]
    }

    /// `assistd caption --json --model DIR IMAGE`: the caption and tokens the one-shot command prints.
    static func oneShot(model: String, image: String) throws -> (caption: String, tokens: [Int]) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = ["caption", "--json", "--model", model, image]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "assistd caption --model \(model): \(errors)")
        let o = object(String(decoding: data, as: UTF8.self))
        return (o["caption"] as? String ?? "", o["tokens"] as? [Int] ?? [])
    }

    /// The daemon's caption of `image` through `assist caption --json --no-speak`.
    static func daemonCaption(_ h: DaemonHarness, image: String) throws -> (caption: String?, tokens: [Int], description: [String: Any]) {
        let r = try h.client(["--json", "caption", "--no-speak", image])
        XCTAssertEqual(r.status, 0, r.stderr)
        let d = object(r.stdout)["description"] as? [String: Any] ?? [:]
        let c = d["caption"] as? [String: Any]
        return (c?["text"] as? String, c?["tokens"] as? [Int] ?? [], d)
    }

    static func modelStatus(_ h: DaemonHarness) -> [String: Any] {
        guard let r = try? h.client(["--json", "status"]), r.status == 0 else { return [:] }
        return (object(r.stdout)["status"] as? [String: Any])?["model"] as? [String: Any] ?? [:]
    }

    /// Polls `assist status` (every 100 ms) until `predicate` holds for the model object.
    @discardableResult
    static func waitForModel(_ h: DaemonHarness, timeout: Double, _ predicate: ([String: Any]) -> Bool) -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = modelStatus(h)
            if predicate(last) { return last }
            usleep(100_000)
        }
        return last
    }

    static func visibleEntries(_ models: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: models)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    // MARK: - Install, list, use

    /// The installed directory holds the fixture's files byte for byte, and `assistd caption`
    /// on it gives exactly what captioning the fixture directory gives.
    func testInstallFromTheLocalHubGivesAWorkingCheckpoint() throws {
        let h = try DaemonHarness()
        let hub = try LocalHub(in: h.root)
        let models = h.root + "/models"
        let r = try h.client(["--json", "model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = Self.object(r.stdout)
        let model = o["model"] as? [String: Any] ?? [:]
        XCTAssertEqual(o["ok"] as? Bool, true)
        XCTAssertEqual(model["name"] as? String, Self.name)
        XCTAssertEqual(model["repo"] as? String, Self.repo)
        XCTAssertEqual((model["commit"] as? String)?.count, 40)
        XCTAssertEqual(model["selected"] as? Bool, true, "the first model installed is selected")
        XCTAssertEqual(o["selected"] as? Bool, true)
        XCTAssertEqual(o["modelsDirectory"] as? String, models)
        XCTAssertEqual((o["daemon"] as? [String: Any])?["running"] as? Bool, false)
        // Not a terminal: plain progress lines, no carriage returns.
        XCTAssertTrue(r.stderr.contains("\(Self.weights): verified"), r.stderr)
        XCTAssertFalse(r.stderr.contains("\r"), r.stderr)

        let installed = models + "/" + Self.name
        let fixture = Self.fixture("tiny-st")
        for file in try FileManager.default.contentsOfDirectory(atPath: fixture) {
            XCTAssertEqual(FileManager.default.contents(atPath: installed + "/" + file), FileManager.default.contents(atPath: fixture + "/" + file),
                           "\(file) differs from the fixture")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: installed + "/model.json"))
        let fromInstall = try Self.oneShot(model: installed, image: Self.image)
        let fromFixture = try Self.oneShot(model: fixture, image: Self.image)
        XCTAssertFalse(fromFixture.tokens.isEmpty)
        XCTAssertEqual(fromInstall.tokens, fromFixture.tokens)
        XCTAssertEqual(fromInstall.caption, fromFixture.caption)

        let list = Self.object(try h.client(["--json", "model", "list", "--models", models]).stdout)
        let listed = list["models"] as? [[String: Any]] ?? []
        XCTAssertEqual(listed.map { $0["name"] as? String }, [Self.name])
        XCTAssertEqual(listed.first?["selected"] as? Bool, true)
        let plain = try h.client(["model", "list", "--models", models])
        XCTAssertEqual(plain.status, 0)
        XCTAssertTrue(plain.stdout.contains("* \(Self.name)") && plain.stdout.contains("\(Self.repo)@"), plain.stdout)

        let again = try h.client(["--json", "model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(again.status, 0, again.stderr)
        let o2 = Self.object(again.stdout)
        XCTAssertEqual(o2["alreadyInstalled"] as? Bool, true)
        XCTAssertEqual(o2["bytesDownloaded"] as? Int, 0)
    }

    /// On a terminal (a pseudo-terminal from util-linux `script`) the progress is one line
    /// redrawn in place with a bar, reaching 100%.
    func testProgressBarOnATerminal() throws {
        let h = try DaemonHarness()
        let hub = try LocalHub(in: h.root)
        let models = h.root + "/models"
        let command = [DaemonHarness.assist, "--socket", h.socket, "model", "install", Self.repo, "--models", models]
            .map(HubTestServer.quote).joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["--quiet", "--return", "--command", command, "/dev/null"]
        p.environment = h.environment.merging(hub.env) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("\r") && text.contains("\u{1B}[K"), "redrawn in place: \(text.debugDescription)")
        XCTAssertTrue(text.contains("[####################] 100%"), text.debugDescription)
        XCTAssertFalse(text.contains("\(Self.weights): verified"), "no plain lines on a terminal: \(text.debugDescription)")
        XCTAssertTrue(text.contains("Installed \(Self.name)"), text)
    }

    /// An install killed in the middle of the weights leaves nothing that looks installed; the
    /// next install continues the part with a Range request instead of starting over.
    func testInterruptedInstallLeavesNothingInstalledAndARerunResumes() throws {
        let h = try DaemonHarness()
        let hub = try LocalHub(in: h.root)
        let models = h.root + "/models"
        let cut = 300_000
        let size = Int(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: Self.fixture("tiny-st") + "/" + Self.weights)[.size] as? NSNumber).intValue)
        XCTAssertGreaterThan(size, cut)
        hub.server.setStall(Self.weights, afterBytes: cut)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assist)
        p.arguments = ["--socket", h.socket, "model", "install", Self.repo, "--models", models]
        p.environment = h.environment.merging(hub.env) { $1 }
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        let part = models + "/.partial/\(Self.name)/\(Self.weights).part"
        func partSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: part)[.size]) as? NSNumber)?.intValue ?? 0 }
        XCTAssertTrue(h.wait(timeout: 60) { partSize() >= cut }, "the part never reached \(cut) bytes (has \(partSize()))")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        XCTAssertEqual(Self.visibleEntries(models), [], "an interrupted install left something that looks installed")
        var st = stat()
        XCTAssertNotEqual(lstat(models + "/current", &st), 0, "nothing may be selected")
        let list = try h.client(["--json", "model", "list", "--models", models])
        XCTAssertEqual((Self.object(list.stdout)["models"] as? [Any])?.count, 0, list.stdout)
        let kept = partSize()
        XCTAssertEqual(kept, cut)

        hub.server.clearStall(Self.weights)
        hub.server.clearLog()
        let r = try h.client(["--json", "model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = Self.object(r.stdout)
        XCTAssertEqual(o["resumedFiles"] as? [String], [Self.weights])
        // The weights themselves come from the CDN listener (the hub answers with a redirect).
        let weightRequests = hub.server.log.filter { $0.path.hasPrefix("/lfs/") && $0.path.hasSuffix("/" + Self.weights) }
        XCTAssertEqual(weightRequests.map(\.range), ["bytes=\(kept)-"], "\(hub.server.log)")
        XCTAssertEqual(weightRequests.first?.bodyBytes, size - kept)
        XCTAssertEqual(Self.visibleEntries(models), ["current", Self.name])
        XCTAssertEqual(FileManager.default.contents(atPath: models + "/\(Self.name)/\(Self.weights)"),
                       FileManager.default.contents(atPath: Self.fixture("tiny-st") + "/" + Self.weights))
        XCTAssertFalse(FileManager.default.fileExists(atPath: models + "/.partial/\(Self.name)"), "the parts are cleaned up")
    }

    /// Each failure has its documented exit code and one sentence that names the problem.
    func testFailuresHaveTheirExitCodes() throws {
        let h = try DaemonHarness()
        let hub = try LocalHub(in: h.root)
        let models = h.root + "/models"
        hub.server.setCorrupt(Self.weights, true)
        let corrupt = try h.client(["model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(corrupt.status, 9, corrupt.stderr)
        XCTAssertTrue(corrupt.stderr.contains("\(Self.weights): SHA-256 mismatch"), corrupt.stderr)
        XCTAssertEqual(Self.visibleEntries(models), [])
        let corruptJSON = try h.client(["--json", "model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(corruptJSON.status, 9)
        XCTAssertEqual((Self.object(corruptJSON.stdout)["error"] as? [String: Any])?["code"] as? String, "checksum_mismatch")
        hub.server.setCorrupt(Self.weights, false)

        let unknown = try h.client(["model", "install", "tiny-org/no-such-model", "--models", models], env: hub.env)
        XCTAssertEqual(unknown.status, 10, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("tiny-org/no-such-model") && unknown.stderr.contains("not found"), unknown.stderr)
        let badID = try h.client(["model", "install", "not a repo", "--models", models], env: hub.env)
        XCTAssertEqual(badID.status, 2, badID.stderr)
        let notUsable = try h.client(["model", "use", "nothing-here", "--models", models])
        XCTAssertEqual(notUsable.status, 10, notUsable.stderr)
        XCTAssertTrue(notUsable.stderr.contains("'nothing-here'"), notUsable.stderr)

        // The hub is gone: a download failure.
        hub.server.stop()
        let offline = try h.client(["model", "install", Self.repo, "--models", models], env: hub.env)
        XCTAssertEqual(offline.status, 8, offline.stderr)
        for r in [corrupt, unknown, notUsable, offline] {
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.contains(": downloading") && !$0.contains(": verified") && !$0.contains(" files, ") }.count,
                           1, "one sentence: \(r.stderr)")
        }
    }

    /// A system-service layout: assistd runs as one user (here root) with its own models
    /// directory, and a member of its socket group installs. The client finds the directory
    /// through `status`, and says whose it is and how to run the install as that user.
    func testInstallIntoTheDaemonUsersDirectoryExplainsSudo() throws {
        let h = try DaemonHarness(config: ["socket_group": "4242", "model": "", "models_dir": "MODELS"], rootMode: 0o711)
        let models = h.root + "/models"
        try String(contentsOfFile: h.configPath, encoding: .utf8).replacingOccurrences(of: "MODELS", with: models)
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        chmod(models, 0o755)
        let hub = try LocalHub(in: h.root)
        try h.start()
        let member = ["/usr/bin/setpriv", "--reuid=65534", "--regid=4242", "--clear-groups"]
        let r = try h.client(["model", "install", Self.repo], prefix: member, env: hub.env)
        XCTAssertEqual(r.status, 12, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("Cannot write to \(models): Permission denied"), r.stderr)
        XCTAssertTrue(r.stderr.contains("sudo -u root ") && r.stderr.contains("model install \(Self.repo)"), r.stderr)
        XCTAssertEqual(Self.visibleEntries(models), [])
        let json = try h.client(["--json", "model", "install", Self.repo], prefix: member, env: hub.env)
        XCTAssertEqual((Self.object(json.stdout)["error"] as? [String: Any])?["code"] as? String, "permission_denied")
    }

    // MARK: - The daemon follows the selection

    /// From a fresh install (no model: photos described by quality and text) to captions, then
    /// to another model, without restarting assistd; a model that cannot load keeps the previous
    /// one; a selection changed by hand is noticed too.
    func testDaemonTakesUpInstalledAndSelectedModelsWithoutARestart() throws {
        let h = try DaemonHarness(config: ["model": "", "models_dir": "MODELS"])
        let models = h.root + "/models"
        try String(contentsOfFile: h.configPath, encoding: .utf8).replacingOccurrences(of: "MODELS", with: models)
            .write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let hub = try LocalHub(in: h.root)
        try h.start()
        let ready = Date()
        let pid = try XCTUnwrap(h.process?.processIdentifier)

        let before = Self.modelStatus(h)
        XCTAssertEqual(before["loaded"] as? Bool, false)
        XCTAssertEqual(before["state"] as? String, "missing")
        XCTAssertEqual(before["source"] as? String, "selection")
        XCTAssertEqual(before["models_directory"] as? String, models)
        XCTAssertTrue((before["problem"] as? String ?? "").contains("assist model install"), "\(before)")
        let plainStatus = try h.client(["status"])
        XCTAssertTrue(plainStatus.stdout.contains("models directory: \(models)"), plainStatus.stdout)
        let undescribed = try Self.daemonCaption(h, image: Self.image)
        XCTAssertNil(undescribed.caption, "no model yet")
        XCTAssertTrue((undescribed.description["caption_problem"] as? String ?? "").contains("No captioning model is installed in \(models)"),
                      "\(undescribed.description)")

        // No --models: the client asks the daemon where its models live.
        let install = try h.client(["model", "install", Self.repo], env: hub.env)
        XCTAssertEqual(install.status, 0, install.stderr)
        XCTAssertTrue(install.stdout.contains("in \(models).") && install.stdout.contains("It is now the model in use."), install.stdout)
        XCTAssertTrue(install.stdout.contains("assistd is loading it now") || install.stdout.contains("assistd already uses it"), install.stdout)
        let loaded = Self.waitForModel(h, timeout: 60) { $0["state"] as? String == "loaded" }
        XCTAssertEqual(loaded["loaded"] as? Bool, true, h.currentLog)
        XCTAssertEqual(loaded["name"] as? String, Self.name)
        XCTAssertEqual(loaded["repo"] as? String, Self.repo)
        XCTAssertEqual((loaded["commit"] as? String)?.count, 40)
        XCTAssertEqual(loaded["path"] as? String, models + "/" + Self.name)
        let first = try Self.daemonCaption(h, image: Self.image)
        let expected = try Self.oneShot(model: Self.fixture("tiny-st"), image: Self.image)
        XCTAssertEqual(first.tokens, expected.tokens)
        XCTAssertEqual(first.caption, expected.caption)

        // A second model is installed but not selected until `model use`.
        let second = try h.client(["model", "install", Self.secondRepo], env: hub.env)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("To use it: assist model use \(Self.secondName)"), second.stdout)
        XCTAssertEqual(Self.modelStatus(h)["name"] as? String, Self.name)
        let use = try h.client(["model", "use", Self.secondName])
        XCTAssertEqual(use.status, 0, use.stderr)
        XCTAssertTrue(use.stdout.contains("Now using \(Self.secondName) (\(Self.secondRepo))."), use.stdout)
        let switched = Self.waitForModel(h, timeout: 60) { $0["state"] as? String == "loaded" && $0["name"] as? String == Self.secondName }
        XCTAssertEqual(switched["name"] as? String, Self.secondName, h.currentLog)
        let other = try Self.daemonCaption(h, image: Self.image)
        let otherExpected = try Self.oneShot(model: Self.fixture("tiny-bin"), image: Self.image)
        XCTAssertNotEqual(otherExpected.tokens, expected.tokens, "the two fixtures caption differently")
        XCTAssertEqual(other.tokens, otherExpected.tokens)

        // A checkpoint that cannot load: the previous model keeps captioning, status says why.
        try FileManager.default.createDirectory(atPath: models + "/broken", withIntermediateDirectories: true)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: models + "/broken/config.json"))
        let brokenEvents = try h.events()
        let useBroken = try h.client(["model", "use", "broken"])
        XCTAssertEqual(useBroken.status, 0, useBroken.stderr)
        let kept = Self.waitForModel(h, timeout: 60) { $0["state"] as? String != "loading" && ($0["problem"] as? String)?.contains("broken") == true }
        XCTAssertEqual(kept["loaded"] as? Bool, true, "\(kept)")
        XCTAssertEqual(kept["name"] as? String, Self.secondName)
        XCTAssertTrue((kept["problem"] as? String ?? "").contains("Still using \(Self.secondName)"), "\(kept)")
        XCTAssertEqual(try Self.daemonCaption(h, image: Self.image).tokens, otherExpected.tokens)
        let failed = brokenEvents.next(.modelFailed, timeout: 5) { $0.path?.hasSuffix("/broken") ?? false }
        XCTAssertTrue(failed?.error?.contains("cannot be loaded") ?? false, "no model_failed event for broken: \(String(describing: failed))")

        // The link changed by hand, without the client: noticed by the daemon's own checks.
        XCTAssertEqual(symlink(Self.name, models + "/.current.new"), 0)
        XCTAssertEqual(rename(models + "/.current.new", models + "/current"), 0)
        let back = Self.waitForModel(h, timeout: 60) { $0["state"] as? String == "loaded" && $0["name"] as? String == Self.name }
        XCTAssertEqual(back["name"] as? String, Self.name, h.currentLog)
        XCTAssertNil(back["problem"], "\(back)")
        XCTAssertEqual(try Self.daemonCaption(h, image: Self.image).tokens, expected.tokens)

        XCTAssertEqual(h.process?.processIdentifier, pid)
        XCTAssertTrue(h.process?.isRunning ?? false, "assistd was not restarted")
        // Up since before it first answered: the daemon was not started again in between.
        let asked = Date()
        let uptime = try XCTUnwrap(h.waitForStatus(timeout: 10)?.uptimeSeconds)
        XCTAssertGreaterThanOrEqual(uptime, asked.timeIntervalSince(ready), "assistd started more than once")
    }

    /// `model = DIR` in the config wins over the selection, and SIGHUP switches it live.
    func testSighupLoadsTheConfiguredModelLive() throws {
        let h = try DaemonHarness(config: ["model": Self.missingModel])
        try h.start()
        XCTAssertEqual(Self.modelStatus(h)["state"] as? String, "missing")
        XCTAssertEqual(Self.modelStatus(h)["source"] as? String, "config")
        for fixture in ["tiny-bin", "tiny-st"] {
            let conf = try String(contentsOfFile: h.configPath, encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasPrefix("model =") }.joined(separator: "\n") + "\nmodel = \(Self.fixture(fixture))\n"
            try conf.write(toFile: h.configPath, atomically: true, encoding: .utf8)
            kill(h.process!.processIdentifier, SIGHUP)
            let m = Self.waitForModel(h, timeout: 60) { $0["state"] as? String == "loaded" && $0["name"] as? String == fixture }
            XCTAssertEqual(m["name"] as? String, fixture, h.currentLog)
            XCTAssertEqual(m["source"] as? String, "config")
            XCTAssertEqual(try Self.daemonCaption(h, image: Self.image).tokens, try Self.oneShot(model: Self.fixture(fixture), image: Self.image).tokens)
        }
    }
}

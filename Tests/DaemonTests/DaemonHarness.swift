import Foundation
import XCTest
import Glibc
import IPC

/// Runs the real `assistd` and `assist` binaries on temporary directories. Waits are on socket
/// answers and events (`EventStream`), files and process exits with deadlines, never on log text
/// or fixed sleeps.
final class DaemonHarness {
    /// The build products directory: the test bundle sits beside assistd and assist.
    static let binDirectory: URL = {
        var candidates = [Bundle(for: DaemonHarness.self).bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates += candidates.map { $0.deletingLastPathComponent() }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("assistd").path) }
            ?? candidates[0]
    }()
    static var assistd: String { binDirectory.appendingPathComponent("assistd").path }
    static var assist: String { binDirectory.appendingPathComponent("assist").path }

    /// Tests/Fixtures of this checkout (present once the fixtures branch is merged).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static var fixtureModel: String? {
        let m = fixtures.appendingPathComponent("models/tiny-st").path
        return FileManager.default.fileExists(atPath: m + "/config.json") ? m : nil
    }

    let root: String
    let inbox: String
    let state: String
    let runtime: String
    let wav: String
    let configPath: String
    var socket: String { runtime + "/assist/assist.sock" }
    private(set) var process: Process?
    private(set) var logPaths: [String] = []
    private var runs = 0

    init(config extra: [String: String] = [:], rootMode: mode_t = 0o700) throws {
        var template = Array("/tmp/assist-test-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        root = String(cString: dir)
        chmod(root, rootMode)
        inbox = root + "/inbox"
        state = root + "/state"
        runtime = root + "/run"
        wav = root + "/speech"
        configPath = root + "/assistd.conf"
        for d in [inbox, wav] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        chmod(runtime, rootMode)
        var settings = [
            "watch": inbox, "state_dir": state, "socket": socket, "speech": "wav:\(wav)",
            "model": DaemonHarness.fixtureModel ?? root + "/no-model", "rescan_interval": "0", "log_level": "debug",
            // The daemon's own sentences (start-up, degraded states, "Stopping.") would be
            // utterances of their own in every test; AnnouncerTests turn them on.
            "announce": "none",
        ]
        for (k, v) in extra { settings[k] = v }
        let text = settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n") + "\n"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if let p = process, p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Added to the environment of every process the harness starts (TESSDATA_PREFIX for a test's
    /// own language data, ASSIST_MEMINFO for a small device).
    var extraEnvironment: [String: String] = [:]

    var environment: [String: String] {
        ["HOME": root, "XDG_RUNTIME_DIR": runtime, "XDG_CONFIG_HOME": root + "/config",
         "XDG_STATE_HOME": root + "/xdg-state", "PATH": "/usr/bin:/bin"].merging(extraEnvironment) { $1 }
    }

    /// Starts `assistd run --config` and waits until the socket answers `status` (the daemon
    /// serves the socket only once its folders are watched).
    func start(_ extraArgs: [String] = [], waitReady: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        runs += 1
        let log = root + "/daemon-\(runs).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        logPaths.append(log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = ["run", "--config", configPath] + extraArgs
        p.environment = environment
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        if waitReady {
            XCTAssertNotNil(waitForStatus(timeout: 20), "daemon did not become ready; log:\n\(currentLog)", file: file, line: line)
        }
    }

    /// The daemon's `status` once its socket answers (retrying the connection while the daemon
    /// starts); nil if it does not within `timeout` or the daemon exits.
    func waitForStatus(timeout: Double) -> StatusInfo? {
        var status: StatusInfo?
        wait(timeout: timeout) {
            if let p = process, !p.isRunning { return true }
            guard let c = try? FrameConnection(path: socket), let r = try? c.call(.status, timeout: 10),
                  case .status(let s) = r.body else { return false }
            status = s
            // Gone from the daemon's connection table before the test opens its own (a test of
            // max_connections counts them): the daemon closes its end once it has read our EOF.
            shutdown(c.fd, Int32(SHUT_WR))
            _ = try? RawClient.readUntilClosed(c.fd, timeout: 5)
            return true
        }
        return status
    }

    /// Subscribes to the running daemon's events.
    func events() throws -> EventStream { try EventStream(socket: socket) }

    var currentLog: String { logPaths.last.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }
    var allLogs: String { logPaths.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined() }

    /// Waits until `predicate` holds, checking every 10 ms, for at most `timeout` seconds.
    @discardableResult
    func wait(timeout: Double, _ predicate: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if predicate() { return true }
            usleep(10_000)
        }
        return predicate()
    }

    func kill9() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// Sends SIGTERM and returns the exit status (nil if it did not exit in `timeout`).
    func terminate(timeout: Double = 20) -> Int32? {
        guard let p = process else { return nil }
        kill(p.processIdentifier, SIGTERM)
        guard wait(timeout: timeout, { !p.isRunning }) else { return nil }
        return p.terminationStatus
    }

    // MARK: - Journal

    struct Record {
        var state: String
        var path: String
        var time: Double
        var caption: String?
        var error: String?
        var attempt: Int
    }

    /// Every line of the journal file as written (before the next start compacts it).
    func journal() -> [Record] {
        guard let text = try? String(contentsOfFile: state + "/journal.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let photo = o["photo"] as? [String: Any] else { return nil }
            return Record(state: o["state"] as? String ?? "", path: photo["path"] as? String ?? "",
                          time: o["time"] as? Double ?? 0, caption: o["caption"] as? String, error: o["error"] as? String,
                          attempt: o["attempt"] as? Int ?? 0)
        }
    }

    func results(for path: String) -> [Record] {
        journal().filter { $0.path == path && $0.state != "claimed" }
    }

    /// Waits until the journal has a result for `path`.
    @discardableResult
    func waitForResult(_ path: String, timeout: Double = 20) -> Record? {
        var found: Record?
        wait(timeout: timeout) {
            found = results(for: path).first
            return found != nil
        }
        return found
    }

    // MARK: - Files

    func drop(_ name: String, _ data: Data) throws -> String {
        let tmp = root + "/.staging-\(name)"
        try data.write(to: URL(fileURLWithPath: tmp))
        let path = inbox + "/" + name
        guard rename(tmp, path) == 0 else { throw NSError(domain: "rename", code: Int(errno)) }
        return path
    }

    /// Drops a photo and waits for it to be recorded: since the queue is first in, first out,
    /// anything queued before it has been handled by then.
    func dropSentinel(_ name: String = "sentinel.jpg") throws -> Record? {
        let p = try drop(name, Data("sentinel \(UUID())".utf8))
        return waitForResult(p)
    }

    // MARK: - Client

    struct ClientResult {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `assist` with the harness's socket; `prefix` is e.g. a setpriv invocation, `env`
    /// adds to the harness's environment (HF_ENDPOINT for installs).
    func client(_ args: [String], prefix: [String] = [], stdin: Data? = nil, env: [String: String] = [:],
                timeout: Double = 30) throws -> ClientResult {
        let p = Process()
        let command = prefix + [DaemonHarness.assist, "--socket", socket] + args
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        p.environment = environment.merging(env) { $1 }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try? inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return ClientResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                            stderr: String(decoding: e, as: UTF8.self))
    }
}

/// Bytes that are not a decodable image: a JPEG that stops after its first marker, and text.
enum BadPhotos {
    static let truncatedJPEG = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00])
    static let notAnImage = Data("This is a shopping list, not a photo.\nmilk\nbread\n".utf8)
}

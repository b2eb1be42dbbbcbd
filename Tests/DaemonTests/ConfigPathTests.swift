import XCTest
import Glibc
import IPC

/// Empty and relative paths in the config (issue 11, low findings).
final class ConfigPathTests: XCTestCase {
    private func run(_ args: [String], env: [String: String], directory: String? = nil) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = args
        p.environment = env
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        // A daemon that starts instead of refusing its config would never close stderr: a deadline
        // kills it, and the status check below then fails instead of hanging the suite.
        let pid = p.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { if p.isRunning { kill(pid, SIGKILL) } }
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// `watch =` with no value used to watch the current directory (`/` under systemd).
    func testEmptyWatchIsAnErrorNamingTheKey() throws {
        let h = try DaemonHarness()
        try "state_dir = \(h.state)\nspeech = none\nwatch =\n".write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let (status, err) = try run(["run", "--config", h.configPath], env: h.environment, directory: h.inbox)
        XCTAssertEqual(status, 2, err)
        XCTAssertTrue(err.contains("\(h.configPath):3: watch = '' is not valid; expected a directory"), err)
        try "state_dir = \(h.state)\nspeech = none\nwatch = \(h.inbox)\n".write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let (flagStatus, flagErr) = try run(["run", "--config", h.configPath, "--watch", ""], env: h.environment)
        XCTAssertEqual(flagStatus, 2, flagErr)
        XCTAssertTrue(flagErr.contains("command line: watch = '' is not valid"), flagErr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.state), "the daemon started before refusing the config")
    }

    func testEmptySocketAndStateDirAreErrors() throws {
        let h = try DaemonHarness()
        for key in ["socket", "state_dir"] {
            let (status, err) = try run(["run", "--config", h.configPath, "--set", "\(key)="], env: h.environment)
            XCTAssertEqual(status, 2, err)
            XCTAssertTrue(err.contains("command line: \(key) = '' is not valid"), err)
        }
    }

    /// A relative `socket` is made absolute against the directory the daemon started in, like
    /// every other path: the daemon reports and serves the absolute path.
    func testRelativeSocketIsMadeAbsolute() throws {
        let h = try DaemonHarness()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = ["run", "--config", h.configPath, "--socket", "rel/assist.sock"]
        p.environment = h.environment
        p.currentDirectoryURL = URL(fileURLWithPath: h.root)
        let log = h.root + "/rel.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        let absolute = h.root + "/rel/assist.sock"
        // The daemon answers on the socket once it is ready.
        let answered = h.wait(timeout: 20) {
            guard p.isRunning, let c = try? FrameConnection(path: absolute), let r = try? c.call(.status, timeout: 10),
                  case .status = r.body else { return false }
            return true
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(answered, text)
        let ready = text.split(separator: "\n").first { $0.contains(" assistd: ") && $0.hasSuffix(" ready") } ?? ""
        XCTAssertTrue(ready.contains("socket=\(absolute) "), "ready line: \(ready)")
    }
}

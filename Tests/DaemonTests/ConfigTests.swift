import XCTest
import Glibc

/// `assistd run` config handling, through the real binary.
final class ConfigTests: XCTestCase {
    private func run(_ args: [String], env: [String: String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = args
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func testUnknownKeyNamesFileLineAndKey() throws {
        let h = try DaemonHarness()
        try "watch = /tmp\nspeed = fast\n".write(toFile: h.configPath, atomically: true, encoding: .utf8)
        let (status, err) = try run(["run", "--config", h.configPath], env: h.environment)
        XCTAssertEqual(status, 2)
        XCTAssertTrue(err.contains("\(h.configPath):2") && err.contains("'speed'"), err)
    }

    func testBadValueNamesTheKeyAndWhatIsExpected() throws {
        let h = try DaemonHarness()
        let (status, err) = try run(["run", "--config", h.configPath, "--set", "max_queue=lots"], env: h.environment)
        XCTAssertEqual(status, 2)
        XCTAssertTrue(err.contains("max_queue") && err.contains("whole number"), err)
    }

    /// The XDG user file is read after /etc, and a flag beats both.
    func testUserConfigFileIsReadAndFlagsWin() throws {
        let h = try DaemonHarness()
        let userConf = h.root + "/config/assist"
        try FileManager.default.createDirectory(atPath: userConf, withIntermediateDirectories: true)
        let fromFile = h.root + "/from-file"
        let fromFlag = h.root + "/from-flag"
        for d in [fromFile, fromFlag] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try """
        watch = \(fromFile)
        state_dir = \(h.state)
        speech = none
        model = \(h.root)/none
        """.write(toFile: userConf + "/assistd.conf", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        p.arguments = ["run", "--watch", fromFlag]
        p.environment = h.environment
        let log = h.root + "/cfg.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        // The daemon's own "ready" line, not "speech ready" that comes before it.
        let ready = h.wait(timeout: 20) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").contains { $0.contains(" assistd: ") && $0.hasSuffix(" ready") }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertTrue(ready, text)
        XCTAssertTrue(text.contains("watch=\(fromFlag)"), text)
        XCTAssertFalse(text.contains("folder=\(fromFile)"), text)
        XCTAssertTrue(text.contains("state_dir=\(h.state)"), text)
        XCTAssertTrue(text.contains("socket=\(h.runtime)/assist/assist.sock"), text)
    }
}

import Foundation
import XCTest
import Glibc
import IPC

/// One daemon per state directory (issue 11, finding 7): a second `assistd run` with another
/// socket and the same `state_dir` exits 1 naming the first one's pid, and leaves the first
/// one's journal and socket alone; the lock goes with the process that held it.
final class InstanceLockTests: XCTestCase {
    func testSecondDaemonOnTheSameStateDirectoryExitsNamingTheHolder() throws {
        let h = try DaemonHarness()
        try h.start()
        let first = try XCTUnwrap(h.process?.processIdentifier)
        XCTAssertNotNil(try h.dropSentinel("before.jpg"), h.currentLog)

        // The same config but another socket: only the state directory is shared.
        let secondSocket = h.root + "/run2/assist.sock"
        let config = try String(contentsOfFile: h.configPath, encoding: .utf8)
            .split(separator: "\n").map { $0.hasPrefix("socket =") ? "socket = \(secondSocket)" : String($0) }
            .joined(separator: "\n") + "\n"
        let secondConfig = h.root + "/second.conf"
        try config.write(toFile: secondConfig, atomically: true, encoding: .utf8)
        let second = Process()
        second.executableURL = URL(fileURLWithPath: DaemonHarness.assistd)
        second.arguments = ["run", "--config", secondConfig]
        second.environment = h.environment
        let stderr = Pipe()
        second.standardError = stderr
        second.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try second.run()
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL); second.waitUntilExit() } }
        XCTAssertTrue(h.wait(timeout: 30) { !second.isRunning }, "a second daemon started on the same state directory")
        second.waitUntilExit()
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(second.terminationStatus, 1, text)
        XCTAssertTrue(text.contains("pid \(first)"), "the refusal does not name the holder's pid \(first): \(text)")
        XCTAssertTrue(text.contains(h.state + "/assistd.lock"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: secondSocket), "the refused daemon bound its socket")

        // The first one is untouched: it still answers and records photos in its journal.
        XCTAssertNotNil(h.waitForStatus(timeout: 10))
        XCTAssertNotNil(try h.dropSentinel("after.jpg"), h.currentLog)
        let names = Set(h.journal().map { ($0.path as NSString).lastPathComponent })
        XCTAssertTrue(names.isSuperset(of: ["before.jpg", "after.jpg"]), "journal lost records: \(names)")

        // A daemon killed with SIGKILL leaves its lock file, but not its lock.
        h.kill9()
        try h.start()
        XCTAssertNotNil(h.waitForStatus(timeout: 10), h.currentLog)
        let pidText = try String(contentsOfFile: h.state + "/assistd.lock", encoding: .utf8)
        XCTAssertEqual(pidText, "\(h.process!.processIdentifier)\n")
    }
}

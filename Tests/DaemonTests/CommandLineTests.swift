import Foundation
import XCTest

/// Bad numbers and options on the command lines of `assistd` and `assist`, driven through the
/// built binaries: each is a usage error (exit status 2) whose message names the option, and no
/// bad number is ever taken as 0.
final class CommandLineTests: XCTestCase {
    private func run(_ executable: String, _ args: [String]) throws -> CaptionCommandTests.Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        // A socket nobody listens on: a usage error must come before any connection attempt.
        p.environment = ["PATH": "/usr/bin:/bin", "ASSIST_SOCKET": "/nonexistent/assist.sock"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CaptionCommandTests.Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                       stderr: String(decoding: e, as: UTF8.self))
    }

    private func expectUsageError(_ executable: String, _ args: [String], saying message: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(executable, args)
        XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "\(args): expected \"\(message)\" in:\n\(r.stderr)", file: file, line: line)
    }

    func testAssistdRejectsBadNumbersNamingTheFlag() throws {
        let assistd = DaemonHarness.assistd
        try expectUsageError(assistd, ["caption", "--model", "/m", "--beams", "x", "a.jpg"], saying: "--beams: 'x' is not a whole number")
        try expectUsageError(assistd, ["caption", "--model", "/m", "--beams=0", "a.jpg"], saying: "--beams: 0 is out of range (1...16)")
        try expectUsageError(assistd, ["caption", "--model", "/m", "--beams=17", "a.jpg"], saying: "--beams: 17 is out of range (1...16)")
        try expectUsageError(assistd, ["caption", "--model", "/m", "--threads"], saying: "--threads needs a value")
        try expectUsageError(assistd, ["bench", "--model", "/m", "--image", "i.jpg", "--runs", "five"], saying: "--runs: 'five' is not a whole number")
        try expectUsageError(assistd, ["bench", "--model", "/m", "--image", "i.jpg", "--new-tokens", "-3"],
                             saying: "--new-tokens: -3 is out of range (1...100000)")
        try expectUsageError(assistd, ["bench", "--precision", "fp16"], saying: "--precision: 'fp16' is not fp32 or int8")
        try expectUsageError(assistd, ["bench", "agreement", "--threads", "2x"], saying: "--threads: '2x' is not a whole number")
        try expectUsageError(assistd, ["model", "quantize", "--model"], saying: "--model needs a value")
        try expectUsageError(assistd, ["model", "quantize", "--modle", "/m"], saying: "unknown option '--modle'")
        try expectUsageError(assistd, ["run", "--watch"], saying: "--watch needs a value")
        try expectUsageError(assistd, ["run", "--socket=/x", "--no-such-flag"], saying: "unknown option '--no-such-flag'")
    }

    func testAssistRejectsBadNumbersNamingTheFlag() throws {
        let assist = DaemonHarness.assist
        try expectUsageError(assist, ["history", "--limit", "ten"], saying: "--limit: 'ten' is not a whole number")
        try expectUsageError(assist, ["history", "--limit=0"], saying: "--limit: 0 is out of range (at least 1)")
        try expectUsageError(assist, ["caption", "--beams", "1.5", "photo.jpg"], saying: "--beams: '1.5' is not a whole number")
        try expectUsageError(assist, ["voice", "--rate", "fast"], saying: "--rate: 'fast' is not a whole number")
        try expectUsageError(assist, ["--timeout", "soon", "status"], saying: "--timeout: 'soon' is not a number")
        try expectUsageError(assist, ["--json=yes", "status"], saying: "--json takes no value, but was given 'yes'")
        try expectUsageError(assist, ["history", "--lmit", "3"], saying: "unknown option '--lmit'")
    }

    /// `--flag=value` works like `--flag value`: the request reaches the socket (and finds no
    /// daemon there) instead of stopping at the command line.
    func testInlineValuesAreAccepted() throws {
        let r = try run(DaemonHarness.assist, ["history", "--limit=5"])
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("assistd is not running"), r.stderr)
    }
}

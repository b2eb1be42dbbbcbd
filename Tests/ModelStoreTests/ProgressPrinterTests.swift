import Foundation
import XCTest
@testable import ModelStore

/// What `ProgressPrinter` writes on a terminal and elsewhere.
final class ProgressPrinterTests: XCTestCase {
    private func render(isTerminal: Bool, _ events: [InstallEvent], pause: TimeInterval = 0) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UUID().uuidString)")
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        let printer = ProgressPrinter(output: handle, isTerminal: isTerminal, width: 79, plainInterval: 0.05)
        for event in events {
            printer.handle(event)
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
        printer.finish()
        try handle.close()
        return try String(contentsOf: url, encoding: .utf8)
    }

    private let events: [InstallEvent] = [
        .resolved(repo: "o/m", commit: "0123456789abcdef0123456789abcdef01234567", files: [
            .init(name: "config.json", size: 1_000, present: 1_000),
            .init(name: "pytorch_model.bin", size: 9_000_000, present: 3_000_000),
        ]),
        .downloading(file: "pytorch_model.bin", offset: 3_000_000, size: 9_000_000),
        .progress(file: "pytorch_model.bin", bytes: 6_000_000, size: 9_000_000),
        .progress(file: "pytorch_model.bin", bytes: 9_000_000, size: 9_000_000),
        .verified(file: "pytorch_model.bin"),
    ]

    func testTerminalRedrawsOneLineWithBarPercentAndBytes() throws {
        let text = try render(isTerminal: true, events, pause: 0.3)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first, "o/m at 0123456789ab: 2 files, 9.00 MB (3.00 MB already here)")
        let redraws = text.components(separatedBy: "\r").dropFirst()
        XCTAssertEqual(redraws.count, 2)
        XCTAssertTrue(redraws.first!.contains("pytorch_model.bin"))
        XCTAssertTrue(redraws.first!.contains("66% 6.00 MB/9.00 MB"), redraws.first!)
        XCTAssertTrue(redraws.last!.contains("[####################] 100% 9.00 MB/9.00 MB"), redraws.last!)
        XCTAssertTrue(redraws.last!.contains("/s"), "a rate once enough time has passed: \(redraws.last!)")
        for redraw in redraws {
            let visible = redraw.replacingOccurrences(of: "\u{1B}[K", with: "").split(separator: "\n")[0]
            XCTAssertLessThanOrEqual(visible.count, 79, String(visible))
        }
        XCTAssertTrue(text.hasSuffix("\n"))
    }

    func testPlainOutputHasNoControlCharacters() throws {
        let text = try render(isTerminal: false, events, pause: 0.06)
        XCTAssertFalse(text.contains("\r") || text.contains("\u{1B}"))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, text)
        XCTAssertEqual(Array(lines.prefix(2)), [
            "o/m at 0123456789ab: 2 files, 9.00 MB (3.00 MB already here)",
            "pytorch_model.bin: resuming at 3.00 MB of 9.00 MB",
        ])
        XCTAssertTrue(lines[2].hasPrefix("pytorch_model.bin: 6.00 MB of 9.00 MB (66%)"), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("pytorch_model.bin: 9.00 MB of 9.00 MB (100%)"), lines[3])
        XCTAssertEqual(lines[4], "pytorch_model.bin: verified")
    }
}

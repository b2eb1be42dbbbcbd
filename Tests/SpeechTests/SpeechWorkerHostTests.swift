import Foundation
import XCTest
import Speech

/// Not a test of its own: the entry point when this test binary runs as a synthesis worker
/// (`TestWorker.command`), skipped otherwise.
final class SpeechWorkerHostTests: XCTestCase {
    func testHostSpeechWorker() throws {
        guard ProcessInfo.processInfo.environment[TestWorker.environmentKey] != nil else {
            throw XCTSkip("runs only as a speech worker started by a Speaker under test")
        }
        exit(SpeechWorker.main())
    }

    func testWorkerRunByHandExplainsItself() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestWorker.executablePath)
        process.arguments = TestWorker.command.arguments
        process.environment = ProcessInfo.processInfo.environment.merging(TestWorker.command.environment) { $1 }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 2)
        XCTAssertTrue(message.contains("speech worker: descriptor 3 is not a socket"), message)
    }
}

import XCTest
import Glibc
import IPC

/// The job queue is bounded: caption requests beyond `max_queue` are answered `busy` (exit code 5
/// from `assist`), the accepted ones are captioned, and the daemon stays up.
final class QueueTests: XCTestCase {
    private func harness() throws -> DaemonHarness {
        guard let model = DaemonHarness.fixtureModel else { throw XCTSkip("needs Tests/Fixtures/models/tiny-st") }
        // Reading text makes each job take a few hundred milliseconds, so requests pile up.
        return try DaemonHarness(config: ["model": model, "max_queue": "1", "max_connections": "64", "speech": "none"])
    }

    private var textPhoto: URL { DaemonHarness.fixtures.appendingPathComponent("analysis/text/appointment-serif-18.png") }

    /// 12 requests in one write: they reach the queue within microseconds while one job takes
    /// hundreds of milliseconds, so at most one runs and one waits; every other one is `busy`.
    func testPipelinedCaptionRequestsBeyondTheQueueAreBusy() throws {
        let h = try harness()
        try h.start()
        let photo = try Data(contentsOf: textPhoto)
        let c = try FrameConnection(path: h.socket)
        var burst = Data()
        for i in 1...12 {
            burst += Wire.frame(Request(id: UInt64(i), .caption(CaptionRequest(photo: .bytes, name: "p\(i).png", speak: false))),
                                attachment: photo).encoded()
        }
        try UnixSocket.send(c.fd, burst)
        var ok: [UInt64] = [], busy: [UInt64] = [], other: [String] = []
        for _ in 1...12 {
            let r = try c.receive(timeout: 60)
            switch r.body {
            case .caption(let result):
                XCTAssertTrue(result.text.contains("appointment"), result.text)
                ok.append(r.id)
            case .failure(let e) where e.code == .busy:
                XCTAssertTrue(e.message.contains("try again"), e.message)
                busy.append(r.id)
            default:
                other.append("\(r)")
            }
        }
        XCTAssertEqual(other, [])
        XCTAssertEqual(ok.count + busy.count, 12)
        XCTAssertGreaterThanOrEqual(ok.count, 1, "nothing was captioned")
        XCTAssertLessThanOrEqual(ok.count, 2, "more than max_queue (1) + the running job were accepted: \(ok)")
        XCTAssertEqual(ok.first, 1, "the first request was not the one taken")
        XCTAssertEqual(try h.client(["status"]).status, 0)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }

    /// 16 `assist caption` clients at once: each exits 0 with the description or 5 (busy) with
    /// a sentence saying so; at least one of each, and the daemon serves the next client.
    func testConcurrentClientsGetBusyWithExitCodeFive() throws {
        let h = try harness()
        try h.start()
        let clients = (0..<16).map { _ -> (Process, Pipe, Pipe) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: DaemonHarness.assist)
            p.arguments = ["--socket", h.socket, "caption", "--no-speak", textPhoto.path]
            p.environment = h.environment
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            return (p, out, err)
        }
        for (p, _, _) in clients { try p.run() }
        var codes: [Int32] = []
        for (p, out, err) in clients {
            let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            codes.append(p.terminationStatus)
            switch p.terminationStatus {
            case 0: XCTAssertTrue(o.contains("appointment"), o)
            case 5: XCTAssertTrue(e.contains("try again"), e)
            default: XCTFail("exit \(p.terminationStatus): \(o) \(e)")
            }
        }
        print("16 concurrent clients, max_queue 1: exit codes \(codes)")
        XCTAssertTrue(codes.contains(0), "no client was served: \(codes)")
        XCTAssertTrue(codes.contains(5), "no client was told busy: \(codes)")
        XCTAssertTrue(h.process?.isRunning ?? false)
        let after = try h.client(["caption", "--no-speak", textPhoto.path])
        XCTAssertEqual(after.status, 0, after.stderr)
    }
}

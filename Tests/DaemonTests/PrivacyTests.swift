import Foundation
import IPC
import XCTest
import Glibc

/// `assist forget` and `retention_days` on the built daemon: what is erased stays erased after
/// a restart, and an erased photo is not described or spoken again.
final class PrivacyTests: XCTestCase {
    static let photos = ["soup-sans-32.jpg", "fridge-serif-24.jpg", "juice-bold-44.jpg"]

    func testForgetLastThenAllErasesDurablyAcrossRestarts() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        var paths: [String] = []
        for name in Self.photos {
            let data = try Data(contentsOf: DescribeTests.analysis.appendingPathComponent("text/\(name)"))
            let path = try h.drop(name, data)
            XCTAssertEqual(h.waitForResult(path)?.state, "done", h.currentLog)
            paths.append(path)
        }
        XCTAssertEqual(try h.client(["history"]).stdout.split(separator: "\n").count, 3)

        let last = try h.client(["forget", "--last", "1"])
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertEqual(last.stdout, "Erased 1 description from the journal and 1 entry from the history.\n")
        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        let two = try h.client(["history"]).stdout
        XCTAssertEqual(two.split(separator: "\n").count, 2, two)
        XCTAssertFalse(two.contains(Self.photos[2]), two)

        let all = try h.client(["--json", "forget", "--all"])
        XCTAssertEqual(all.status, 0, all.stderr)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any])
        let forgotten = try XCTUnwrap(answer["forgotten"] as? [String: Any], all.stdout)
        XCTAssertEqual(forgotten["journal"] as? Int, 2)
        XCTAssertEqual(forgotten["history"] as? Int, 2)
        // Durable before the answer: the journal file no longer holds what the photos said.
        let journal = try String(contentsOfFile: h.state + "/journal.jsonl", encoding: .utf8)
        XCTAssertFalse(journal.contains("\"message\"") || journal.contains("\"text\""), journal)
        XCTAssertEqual(h.journal().filter { $0.state == "done" }.count, 3, "the photos stay recorded, so they are not described again")

        XCTAssertEqual(h.terminate(), 0)
        try h.start()
        let after = try h.events()
        XCTAssertEqual(try h.client(["history"]).stdout, "No descriptions yet.\n")
        XCTAssertEqual(try h.client(["repeat"]).status, 1)
        // A sentinel goes through the queue after anything the start-up scan found.
        XCTAssertEqual(try h.dropSentinel()?.state, "failed")
        XCTAssertTrue(after.all(.captioned).isEmpty, "an erased photo was described again: \(after.all(.captioned))")
        for p in paths { XCTAssertEqual(h.results(for: p).count, 1, p) }
    }

    func testForgetNeedsAScope() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel])
        try h.start()
        XCTAssertEqual(try h.client(["forget"]).status, 2)
        XCTAssertEqual(try h.client(["forget", "--last", "0"]).status, 2)
        let fd = try FrameConnection(path: h.socket)
        let r = try fd.call(.forget(.last(0)), timeout: 10)
        guard case .failure(let e) = r.body else { return XCTFail("forget --last 0 was taken: \(r.body)") }
        XCTAssertEqual(e.code, .badRequest)
    }

    /// A description older than `retention_days` is erased at start: the journal keeps the
    /// photo as done (not described again) without what it said, and the history is empty.
    func testRetentionErasesOldDescriptionsAtStart() throws {
        let h = try DaemonHarness(config: ["model": DescribeTests.noModel, "retention_days": "30"])
        try h.start()
        let data = try Data(contentsOf: DescribeTests.analysis.appendingPathComponent("text/\(Self.photos[0])"))
        let path = try h.drop(Self.photos[0], data)
        XCTAssertEqual(h.waitForResult(path)?.state, "done")
        XCTAssertEqual(h.terminate(), 0)
        // Age every record by 31 days, as if the daemon had been off that long.
        let file = h.state + "/journal.jsonl"
        var lines: [String] = []
        for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") {
            var o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            o["time"] = (o["time"] as? Double ?? 0) - 31 * 86400
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try h.start()
        XCTAssertEqual(try h.client(["history"]).stdout, "No descriptions yet.\n")
        let journal = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertFalse(journal.contains("Tomato"), journal)
        XCTAssertEqual(h.results(for: path).map(\.state), ["done"])
    }
}

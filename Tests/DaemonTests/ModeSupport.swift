import Foundation
import XCTest
import IPC

/// Describing photos in a mode through the built `assist` client, and the everyday fixtures.
extension DaemonHarness {
    /// `assist --json caption [--no-speak] [--mode MODE] FILE`: the whole JSON answer, after
    /// checking that the client succeeded.
    func describe(_ file: String, mode: String?, speak: Bool = false,
                  file f: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        var args = ["--json", "caption"]
        if !speak { args.append("--no-speak") }
        if let mode { args += ["--mode", mode] }
        let r = try client(args + [file], timeout: 300)
        XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)", file: f, line: line)
        let o = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout, file: f, line: line)
        return try XCTUnwrap(o["description"] as? [String: Any], r.stdout, file: f, line: line)
    }

    /// Writes `data` as a photo file outside the watched folder, for `caption`.
    func photoFile(_ name: String, _ data: Data) throws -> String {
        let path = root + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// One described photo's fields, as `caption --json` gives them.
struct ModeAnswer {
    let description: [String: Any]
    var message: String { description["message"] as? String ?? "" }
    var mode: String? { description["mode"] as? String }
    var result: [String: Any] { description["mode_result"] as? [String: Any] ?? [:] }
    var codes: [(symbology: String, data: String, match: String?)] {
        (result["codes"] as? [[String: Any]] ?? []).map { ($0["symbology"] as? String ?? "", $0["data"] as? String ?? "", $0["match"] as? String) }
    }
    var qualityProblems: [String] {
        ((description["quality"] as? [String: Any])?["problems"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    }
}

/// Tests/Fixtures/everyday (scripts/make_everyday_fixtures.py) as its manifest describes it.
enum Everyday {
    static let root = DaemonHarness.fixtures.appendingPathComponent("everyday")

    static func path(_ file: String) -> String { root.appendingPathComponent(file).path }

    static func manifest() throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("manifest.json"))) as? [String: Any])
    }

    static func entries(_ key: String) throws -> [[String: Any]] {
        try XCTUnwrap(try manifest()[key] as? [[String: Any]])
    }

    /// The Open Food Facts-layout sample (309 rows, odd quoting, UTF-8).
    static var productFile: URL { root.appendingPathComponent("products/openfoodfacts-sample.tsv") }
}

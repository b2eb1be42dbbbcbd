import Foundation
import XCTest
import Glibc
import IPC
import TestSupport

/// Colour, light and text modes, and no false quality warnings on pages and labels, through the
/// built daemon and client.
final class EverydayModeTests: XCTestCase {
    static let noModel = "/nonexistent/assist-test-model"

    func testColourModeAgreementOnPatchesAndObjectsUnderNeutralAndTintedLight() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        var agree = 0, total = 0
        var byLight: [String: (Int, Int)] = [:]
        var misses: [String] = []
        for entry in try Everyday.entries("colours") {
            let file = entry["file"] as? String ?? "", kind = entry["kind"] as? String ?? "", light = entry["light"] as? String ?? ""
            let expected = entry["colours"] as? [[String]] ?? []
            let a = ModeAnswer(description: try h.describe(Everyday.path(file), mode: "colour"))
            XCTAssertEqual(a.mode, "colour")
            let names = a.result["colours"] as? [String] ?? []
            let tooDark = a.result["colour_too_dark"] as? Bool ?? false
            let ok: Bool
            if kind == "dark" {
                ok = tooDark && a.message == "It is too dark to tell the colour. Turn on a light and try again."
            } else {
                ok = !tooDark && names.count == expected.count && expected.allSatisfy { accepted in names.contains { accepted.contains($0) } }
                // The sentence names what was measured, first colour first.
                if let first = names.first {
                    XCTAssertTrue(a.message.lowercased().hasPrefix(first), "\(file): \(a.message)")
                }
            }
            total += 1
            let key = "\(kind) \(light)"
            byLight[key, default: (0, 0)].1 += 1
            if ok { agree += 1; byLight[key]!.0 += 1 } else { misses.append("\(file): \(a.message)") }
        }
        for key in byLight.keys.sorted() { print("colour \(key): \(byLight[key]!.0)/\(byLight[key]!.1)") }
        print("colour mode agreement through the daemon: \(agree)/\(total); misses: \(misses)")
        XCTAssertEqual(total, 192)
        XCTAssertGreaterThanOrEqual(agree, 184, "the documented agreement (docs/analysis.md): \(misses)")
        XCTAssertEqual(byLight["dark neutral"]?.0, 2, "both dark photos are too dark to judge")
    }

    func testLightModeRampsBrightSpotsAndLevels() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        XCTAssertEqual(try h.client(["mode", "light"]).status, 0)
        let places = ["upper left", "top", "upper right", "left", "in the middle", "right", "lower left", "bottom", "lower right"]
        let wire = ["upperLeft", "top", "upperRight", "left", "middle", "right", "lowerLeft", "bottom", "lowerRight"]
        for i in 0..<9 {
            let cx = (Double(i % 3) + 0.5) / 3, cy = (Double(i / 3) + 0.5) / 3
            let png = TestPNG.gray { x, y in
                ((x - cx) * (x - cx) * 16 / 9 + (y - cy) * (y - cy)).squareRoot() < 0.08 ? 255 : 90
            }
            let a = ModeAnswer(description: try h.describe(try h.photoFile("spot-\(i).png", png), mode: nil))
            XCTAssertEqual(a.mode, "light", "the current mode is used")
            XCTAssertEqual(a.message, "Moderate light, \(places[i]).")
            XCTAssertEqual(a.result["brightest"] as? String, wire[i])
        }
        let ramps: [(String, (Double, Double) -> Double, String)] = [
            ("left to right", { x, _ in 20 + 230 * x }, "right"),
            ("right to left", { x, _ in 20 + 230 * (1 - x) }, "left"),
            ("top to bottom", { _, y in 20 + 230 * y }, "bottom"),
            ("bottom to top", { _, y in 20 + 230 * (1 - y) }, "top"),
            ("diagonal", { x, y in 20 + 115 * (x + y) }, "lower right"),
            ("anti-diagonal", { x, y in 20 + 115 * ((1 - x) + (1 - y)) }, "upper left"),
        ]
        for (name, f, place) in ramps {
            let a = ModeAnswer(description: try h.describe(try h.photoFile("ramp.png", TestPNG.gray(320, 240, f)), mode: nil))
            XCTAssertTrue(a.message.hasSuffix(", \(place)."), "\(name): \(a.message)")
        }
        // Uniform frames: the five levels in order, and the tone pitch rises with them.
        var pitches: [Double] = []
        let levels = [(3.0, "Dark."), (40, "Dim light, evenly spread."), (100, "Moderate light, evenly spread."),
                      (170, "Bright light, evenly spread."), (240, "Very bright light, evenly spread.")]
        for (luma, sentence) in levels {
            let a = ModeAnswer(description: try h.describe(try h.photoFile("flat.png", TestPNG.gray { _, _ in luma }), mode: nil))
            XCTAssertEqual(a.message, sentence)
            pitches.append(try XCTUnwrap(a.result["tone_pitch"] as? Double))
        }
        XCTAssertEqual(pitches, pitches.sorted())
        XCTAssertEqual(Set(pitches).count, 5)
        XCTAssertTrue(pitches.allSatisfy { (220...1760).contains($0) }, "\(pitches)")
    }

    func testTextModeSummarisesTheLayoutAndReadsColumnsInOrder() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let docs = try Everyday.entries("documents")
        func entry(_ file: String) -> [String: Any] { docs.first { $0["file"] as? String == file } ?? [:] }

        let one = ModeAnswer(description: try h.describe(Everyday.path("documents/one-column.png"), mode: "text"))
        XCTAssertEqual(one.mode, "text")
        XCTAssertTrue(one.message.hasPrefix("A page of about 350 words in one column. Keep the kitchen tidy"), one.message)
        XCTAssertEqual(one.result["column_count"] as? Int, 1)
        XCTAssertEqual(one.qualityProblems, [], "a page draws no warning")
        let paragraphs = entry("documents/one-column.png")["paragraphs"] as? [String] ?? []
        XCTAssertTrue((one.result["document_text"] as? String ?? "").hasPrefix(paragraphs.first.map { String($0.prefix(60)) } ?? "?"))

        let two = ModeAnswer(description: try h.describe(Everyday.path("documents/two-columns.png"), mode: "text"))
        XCTAssertTrue(two.message.hasPrefix("A page of about 350 words in two columns. "), two.message)
        let text = two.result["document_text"] as? String ?? ""
        // The left column is read to its end before the right one starts.
        let left = try XCTUnwrap(text.range(of: "Keep the kitchen"), text)
        let leftEnd = try XCTUnwrap(text.range(of: "and water at the bottom."), text)
        let right = try XCTUnwrap(text.range(of: "If something is moved"), text)
        XCTAssertLessThan(left.lowerBound, leftEnd.lowerBound)
        XCTAssertLessThan(leftEnd.lowerBound, right.lowerBound, "columns in reading order")
        XCTAssertEqual(two.qualityProblems, [])

        for edge in ["left", "right", "top", "bottom"] {
            let a = ModeAnswer(description: try h.describe(Everyday.path("documents/cut-\(edge).png"), mode: "text"))
            XCTAssertEqual(a.result["cut_edges"] as? [String], [edge], a.message)
            let summary = a.result["layout_summary"] as? String ?? ""
            XCTAssertTrue(summary.hasSuffix("in one column; the \(edge) edge is cut off."), summary)
            XCTAssertTrue(a.message.hasPrefix(summary), a.message)
            XCTAssertEqual(a.qualityProblems, [], a.message)
        }

        let blank = ModeAnswer(description: try h.describe(Everyday.path("colours/patch-red-neutral.jpg"), mode: "text"))
        XCTAssertTrue(blank.message.hasSuffix("I could not find text on this page."), blank.message)
        XCTAssertEqual(blank.result["word_count"] as? Int, 0)
    }

    /// Issue 10 item 6 through the daemon: real camera photos of a page and handwriting
    /// (scikit-image), the 12 MP soup label and black text on white draw no warning.
    func testPagesAndLabelsDrawNoQualityWarning() throws {
        let h = try DaemonHarness(config: ["model": Self.noModel])
        try h.start()
        let photos = [DaemonHarness.fixtures.appendingPathComponent("skimage/page.png").path,
                      DaemonHarness.fixtures.appendingPathComponent("skimage/text.png").path,
                      Everyday.path("labels/soup-label-12mp.jpg"), Everyday.path("labels/black-on-white.png")]
        for photo in photos {
            for mode in ["describe", "text"] {
                let a = ModeAnswer(description: try h.describe(photo, mode: mode))
                XCTAssertEqual(a.qualityProblems, [], "\(photo) in \(mode) mode: \(a.message)")
                XCTAssertNil((a.description["quality"] as? [String: Any])?["warning"], photo)
                for warning in ["faint", "too bright", "blurry", "very dark"] {
                    XCTAssertFalse(a.message.contains(warning), "\(photo) in \(mode) mode: \(a.message)")
                }
            }
        }
    }
}

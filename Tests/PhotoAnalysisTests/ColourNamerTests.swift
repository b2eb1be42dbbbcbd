import Foundation
import PhotoAnalysis
import XCTest

/// Colour names on patches and rendered mugs under neutral, warm, cool and green light
/// (Tests/Fixtures/everyday/colours). The agreement table in docs/analysis.md is this test's output.
final class ColourNamerTests: XCTestCase {
    /// Sharma, Wu, Dalal (2005), test data pairs 1, 2, 7 and 17.
    func testCIEDE2000MatchesSharmasTable() {
        let pairs: [((Double, Double, Double), (Double, Double, Double), Double)] = [
            ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
            ((50, 3.1571, -77.2803), (50, 0, -82.7485), 2.8615),
            ((50, 0, 0), (50, -1, 2), 2.3669),
            ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ]
        for (p, q, want) in pairs {
            let d = LabColour(l: p.0, a: p.1, b: p.2).difference(LabColour(l: q.0, a: q.1, b: q.2))
            XCTAssertEqual(d, want, accuracy: 1e-4)
        }
        XCTAssertEqual(LabColour(srgb: 255, 255, 255).l, 100, accuracy: 0.01)
        XCTAssertEqual(LabColour(srgb: 255, 255, 255).chroma, 0, accuracy: 0.01)
    }

    struct Tally {
        var agree = 0
        var total = 0
        var cell: String { "\(agree)/\(total)" }
    }

    func agreement(_ mode: ColourNamer.CastCorrection, print verbose: Bool = false) throws -> (table: [String: Tally], misses: [String]) {
        var options = ColourNamer.Options()
        options.castCorrection = mode
        let namer = ColourNamer(options: options)
        var table: [String: Tally] = [:], misses: [String] = []
        for row in try EverydayFixtures.manifest().colours {
            let report = namer.describe(try EverydayFixtures.load(row.file))
            let names = report.colours.map(\.name)
            let ok: Bool
            if row.kind == "dark" {
                ok = report.tooDark
            } else {
                ok = !report.tooDark && names.count == row.colours.count
                    && row.colours.allSatisfy { accepted in names.contains { accepted.contains($0) } }
            }
            let key = "\(row.kind == "dark" ? "dark" : row.kind) \(row.light)"
            table[key, default: Tally()].total += 1
            if ok { table[key]!.agree += 1 } else { misses.append("\(row.file): \(report.spoken) \(report.colours.map { String(format: "%@ %.2f", $0.name, $0.share) })") }
            if verbose { print("\(row.file): \(report.spoken)") }
        }
        return (table, misses)
    }

    func testAgreementTableAndCastCorrectionChoice() throws {
        var results: [ColourNamer.CastCorrection: [String: Tally]] = [:]
        var chosenMisses: [String] = []
        for mode in ColourNamer.CastCorrection.allCases {
            let (table, misses) = try agreement(mode)
            results[mode] = table
            if mode == ColourNamer.Options().castCorrection { chosenMisses = misses }
        }
        let keys = results[.none]!.keys.sorted()
        print("| photos | light | " + ColourNamer.CastCorrection.allCases.map(\.rawValue).joined(separator: " | ") + " |")
        for key in keys {
            let parts = key.split(separator: " ")
            print("| \(parts[0]) | \(parts[1]) | " + ColourNamer.CastCorrection.allCases.map { results[$0]![key]!.cell }.joined(separator: " | ") + " |")
        }
        func total(_ mode: ColourNamer.CastCorrection, _ filter: (String) -> Bool) -> (Int, Int) {
            let t = results[mode]!.filter { filter($0.key) }.values
            return (t.map(\.agree).reduce(0, +), t.map(\.total).reduce(0, +))
        }
        for mode in ColourNamer.CastCorrection.allCases {
            let all = total(mode) { _ in true }, neutral = total(mode) { $0.hasSuffix("neutral") }
            let tinted = total(mode) { !$0.hasSuffix("neutral") }
            print("\(mode.rawValue): all \(all.0)/\(all.1), neutral \(neutral.0)/\(neutral.1), tinted \(tinted.0)/\(tinted.1)")
        }
        print(chosenMisses.joined(separator: "\n"))
        let chosen = ColourNamer.Options().castCorrection
        let best = ColourNamer.CastCorrection.allCases.max { total($0) { _ in true }.0 < total($1) { _ in true }.0 }!
        XCTAssertEqual(total(chosen) { _ in true }.0, total(best) { _ in true }.0, "the default correction is not the best measured")
        let neutral = total(chosen) { $0.hasSuffix("neutral") }, tinted = total(chosen) { !$0.hasSuffix("neutral") }
        XCTAssertGreaterThanOrEqual(Double(neutral.0) / Double(neutral.1), 0.9)
        XCTAssertGreaterThanOrEqual(Double(tinted.0) / Double(tinted.1), 0.75)
    }

    func testSentences() throws {
        func report(_ parts: [(String, Double)]) -> ColourReport {
            ColourReport(colours: parts.map { NamedColour(name: $0.0, share: $0.1, lab: LabColour(l: 50, a: 0, b: 0), distance: 0) },
                         tooDark: false, castGains: [1, 1, 1])
        }
        XCTAssertEqual(report([("navy", 0.8), ("white", 0.2)]).spoken, "Navy, with some white.")
        XCTAssertEqual(report([("red", 0.5), ("white", 0.4)]).spoken, "Red and white.")
        XCTAssertEqual(report([("dark blue", 1)]).spoken, "Dark blue.")
        XCTAssertEqual(report([("yellow", 0.6), ("black", 0.2), ("white", 0.15)]).spoken, "Yellow, with some black and white.")
        let navy = ColourNamer().describe(try EverydayFixtures.load("colours/striped-navy-white-neutral.jpg"))
        XCTAssertEqual(navy.colours.map(\.name), ["navy", "light grey"])
        let dark = ColourNamer().describe(try EverydayFixtures.load("colours/dark-0.jpg"))
        XCTAssertTrue(dark.tooDark)
        XCTAssertEqual(dark.spoken, "It is too dark to tell the colour. Turn on a light and try again.")
    }
}

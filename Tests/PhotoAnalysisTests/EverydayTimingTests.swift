import Foundation
import PhotoAnalysis
import XCTest

/// Wall time of the everyday analyses, best of 3 (the timings table in docs/analysis.md).
/// The bounds are generous: they catch a pathological slowdown, not a regression of a few percent.
final class EverydayTimingTests: XCTestCase {
    func best(_ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.min()!
    }

    func testTimings() throws {
        let code = try EverydayFixtures.load("codes/ean13-clean.jpg")
        let turned = try EverydayFixtures.load("codes/code128-rot30.jpg")
        let small = try EverydayFixtures.load("codes/ean13-small.jpg")
        let cut = try EverydayFixtures.load("codes/ean13-cutleft.jpg")
        let label = try EverydayFixtures.load("labels/soup-label-12mp.jpg")
        let mug = try EverydayFixtures.load("colours/mug-blue-warm.jpg")
        let reader = CodeReader()
        var rows: [(String, Double)] = []
        rows.append(("codes, 640x480, read at once", try best { _ = reader.scan(code) }))
        rows.append(("codes, 640x480, turned 30 degrees (straightened retry)", try best { _ = reader.scan(turned) }))
        rows.append(("codes, 640x480, cut off (region and advice)", try best { _ = reader.scan(cut) }))
        rows.append(("codes, 1600x1200, small code", try best { _ = reader.scan(small) }))
        rows.append(("codes, 4000x3000 label without a code", try best { _ = reader.scan(label) }))
        rows.append(("colour, 320x240", try best { _ = ColourNamer().describe(mug) }))
        rows.append(("colour, 4000x3000", try best { _ = ColourNamer().describe(label) }))
        rows.append(("light, 4000x3000", try best { _ = LightMeter().measure(label) }))
        rows.append(("quality check, 4000x3000", try best { _ = QualityCheck().check(label) }))
        for (name, seconds) in rows { print(String(format: "| %@ | %.3f s |", name, seconds)) }
        for (name, seconds) in rows { XCTAssertLessThan(seconds, 5, name) }
    }
}

import Foundation
import PhotoAnalysis
import XCTest

/// Luminance ramps, uniform frames and a bright spot at each of the 9 positions.
final class LightMeterTests: XCTestCase {
    /// A gray photo from a function of the pixel position (0...1 each) giving luma 0...255.
    func photo(_ w: Int = 320, _ h: Int = 240, _ f: (Double, Double) -> Double) throws -> PixelImage {
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let v = UInt8(max(0, min(255, f((Double(x) + 0.5) / Double(w), (Double(y) + 0.5) / Double(h)).rounded())))
                rgb[3 * (y * w + x)] = v; rgb[3 * (y * w + x) + 1] = v; rgb[3 * (y * w + x) + 2] = v
            }
        }
        return try PixelImage(width: w, height: h, rgb: rgb)
    }

    func testBrightSpotAtEachOfNinePositions() throws {
        let meter = LightMeter()
        for (i, position) in FramePosition.allCases.enumerated() {
            let cx = (Double(i % 3) + 0.5) / 3, cy = (Double(i / 3) + 0.5) / 3
            let image = try photo { x, y in
                let d = ((x - cx) * (x - cx) * 16 / 9 + (y - cy) * (y - cy)).squareRoot()
                return d < 0.08 ? 255 : 90
            }
            let report = meter.measure(image)
            XCTAssertEqual(report.brightest, position, "\(position)")
            XCTAssertEqual(report.level, .moderate, "\(position)")
            let place = position == .middle ? "in the middle" : position.words
            XCTAssertEqual(report.spoken, "Moderate light, \(place).")
        }
    }

    func testRampsPointAtTheirBrightEnd() throws {
        let meter = LightMeter()
        let cases: [(String, (Double, Double) -> Double, FramePosition)] = [
            ("left to right", { x, _ in 20 + 230 * x }, .right),
            ("right to left", { x, _ in 20 + 230 * (1 - x) }, .left),
            ("top to bottom", { _, y in 20 + 230 * y }, .bottom),
            ("bottom to top", { _, y in 20 + 230 * (1 - y) }, .top),
            ("diagonal", { x, y in 20 + 115 * (x + y) }, .lowerRight),
            ("anti-diagonal", { x, y in 20 + 115 * ((1 - x) + (1 - y)) }, .upperLeft),
        ]
        for (name, f, want) in cases {
            XCTAssertEqual(meter.measure(try photo(320, 240, f)).brightest, want, name)
        }
        // Evenly lit: no brightest part.
        let flat = meter.measure(try photo { _, _ in 200 })
        XCTAssertNil(flat.brightest)
        XCTAssertEqual(flat.spoken, "Very bright light, evenly spread.")
    }

    func testLevelsAndToneRiseWithBrightness() throws {
        let meter = LightMeter()
        let lumas: [Double] = [3, 40, 100, 170, 240]
        let reports = try lumas.map { v in meter.measure(try photo { _, _ in v }) }
        XCTAssertEqual(reports.map(\.level), [.dark, .dim, .moderate, .bright, .veryBright])
        XCTAssertEqual(reports[0].spoken, "Dark.")
        let pitches = reports.map(\.tonePitch)
        XCTAssertEqual(pitches, pitches.sorted())
        XCTAssertEqual(Set(pitches).count, pitches.count)
        XCTAssertEqual(LightMeter.tonePitch(forBrightness: 0), 220, accuracy: 1e-9)
        XCTAssertEqual(LightMeter.tonePitch(forBrightness: 1), 1760, accuracy: 1e-9)
        XCTAssertEqual(LightMeter.tonePitch(forBrightness: 0.5), 220 * pow(2, 1.5), accuracy: 1e-9)
        XCTAssertEqual(LightMeter.tonePitch(forBrightness: 7), 1760, accuracy: 1e-9)
        // Brightness is mean L*: mid-gray 119 is L* 50.
        XCTAssertEqual(meter.measure(try photo { _, _ in 119 }).brightness, 0.5, accuracy: 0.01)
    }
}

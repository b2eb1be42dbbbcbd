import Foundation
import XCTest
@testable import Vision

/// `VectorMath`'s vector `exp` and `erf` against Double libm over their float range, and the
/// inlined `clamp`/`max` against the standard library's `clamped`/`pointwiseMax`.
final class ModelVectorMathTests: XCTestCase {
    /// Evenly spaced floats over `range`, `count` of them, plus the ends.
    func samples(_ range: ClosedRange<Float>, count: Int) -> [Float] {
        let step = (range.upperBound - range.lowerBound) / Float(count)
        return (0...count).map { range.lowerBound + Float($0) * step }
    }

    func forEachLane(_ xs: [Float], _ body: (Lane, Int) -> Void) {
        var i = 0
        while i + Lane.scalarCount <= xs.count {
            body(Lane(xs[i..<(i + Lane.scalarCount)]), i)
            i += Lane.scalarCount
        }
    }

    func testExpWithinTwoUlp() {
        var worst: Float = 0
        forEachLane(samples(-87.0...88.0, count: 200_000)) { v, _ in
            let y = VectorMath.exp(v)
            for j in 0..<Lane.scalarCount {
                let ref = Foundation.exp(Double(v[j]))
                worst = max(worst, Float(abs(Double(y[j]) - ref) / Double(Float(ref).ulp)))
            }
        }
        XCTAssertLessThanOrEqual(worst, 2, "exp error in ulp")
        let edges = VectorMath.exp(Lane(-100, -87.4, 0, 1, 88.29, 88.4, 100, -.infinity))
        XCTAssertEqual(edges[0], 0); XCTAssertEqual(edges[1], 0); XCTAssertEqual(edges[7], 0)
        XCTAssertEqual(edges[2], 1)
        XCTAssertEqual(edges[5], .infinity); XCTAssertEqual(edges[6], .infinity)
    }

    func testErfWithin4e7() {
        var worst: Double = 0
        forEachLane(samples(-6.0...6.0, count: 200_000)) { v, _ in
            let y = VectorMath.erf(v)
            for j in 0..<Lane.scalarCount { worst = max(worst, abs(Double(y[j]) - Foundation.erf(Double(v[j])))) }
        }
        XCTAssertLessThanOrEqual(worst, 4e-7, "erf absolute error")
    }

    func testClampAndMaxMatchTheStandardLibrary() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let a = Lane((0..<8).map { _ in Float.random(in: -10...10, using: &rng) })
            let b = Lane((0..<8).map { _ in Float.random(in: -10...10, using: &rng) })
            XCTAssertEqual(VectorMath.clamp(a, -3, 4), a.clamped(lowerBound: Lane(repeating: -3), upperBound: Lane(repeating: 4)))
            XCTAssertEqual(VectorMath.max(a, b), pointwiseMax(a, b))
        }
        let inf = Lane(-.infinity, .infinity, 0, -0.0, 1, -1, 5, -5)
        XCTAssertEqual(VectorMath.max(inf, Lane(repeating: -.infinity)), inf)
    }
}

import Foundation
import XCTest
@testable import Vision

/// Paths and comparisons shared by the image and preprocessing tests.
enum ImageTestSupport {
    /// Tests/Fixtures, found from this file so `swift test` works from any directory.
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let unit = fixtures.appendingPathComponent("image-unit")

    static func data(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw XCTSkip("fixture missing: \(url.path)")
        }
    }

    static func json(_ url: URL) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: try data(url))
        return try XCTUnwrap(object as? [String: Any], "\(url.path) is not a JSON object")
    }

    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Count of differing bytes and the largest difference.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> (mismatches: Int, maxDiff: Int) {
        var mismatches = 0, maxDiff = 0
        for (x, y) in zip(a, b) where x != y {
            mismatches += 1
            maxDiff = max(maxDiff, abs(Int(x) - Int(y)))
        }
        return (mismatches + abs(a.count - b.count), maxDiff)
    }

    /// Fraction of exactly equal values and the largest absolute difference.
    static func compare(_ a: [Float], _ b: [Float]) -> (equal: Double, maxDiff: Float) {
        var equal = 0, maxDiff: Float = 0
        for (x, y) in zip(a, b) {
            if x == y { equal += 1 } else { maxDiff = max(maxDiff, abs(x - y)) }
        }
        return (Double(equal) / Double(max(a.count, 1)), maxDiff)
    }
}

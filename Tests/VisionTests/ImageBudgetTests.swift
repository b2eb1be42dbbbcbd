import Foundation
import XCTest
@testable import Vision

/// `DecodeBudget` (issue 11, finding 6): below the budget nothing changes; above it a JPEG is
/// DCT-scaled to the smallest scale that keeps the caller's minimum, pixel-identical to Pillow's
/// draft mode (the same libjpeg-turbo scaling); a decode that needs more memory than the budget
/// is refused before it allocates. Fixtures from scripts/make_budget_fixtures.py.
final class ImageBudgetTests: XCTestCase {
    typealias S = ImageTestSupport
    static let dir = S.unit.appendingPathComponent("budget")

    func photo(_ name: String) throws -> Data { try S.data(Self.dir.appendingPathComponent(name)) }

    /// zlib's CRC-32, which scripts/make_budget_fixtures.py records for each expected decode.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        let table = (0..<256).map { n -> UInt32 in
            (0..<8).reduce(UInt32(n)) { c, _ in c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~bytes.reduce(~UInt32(0)) { c, b in table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }

    /// Every photo the parity tests use decodes byte-identically with a budget it fits in.
    func testWithinTheBudgetDecodesAreUnchanged() throws {
        let roots = [S.fixtures.appendingPathComponent("images"), S.unit.appendingPathComponent("decode"), Self.dir]
        var checked = 0
        for root in roots {
            for name in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
            where name.hasSuffix(".jpg") || name.hasSuffix(".png") {
                let data = try S.data(root.appendingPathComponent(name))
                let full = try ImageDecoder.decode(data)
                let budget = DecodeBudget(maxPixels: full.width * full.height, minimumShortSide: 224)
                XCTAssertEqual(try ImageDecoder.decode(data, budget: budget), full, name)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// 3000x2000 over a 1 Mpx budget: 1/8 (375x250) keeps a 224-pixel short side, 1/4 (750x500)
    /// is needed for 300, 1/2 for 600; and none of 1/2..1/8 for 1200, so the frame itself.
    func testAboveTheBudgetTheSmallestScaleKeepingTheMinimumIsUsed() throws {
        let expected = try S.json(Self.dir.appendingPathComponent("expected.json"))
        for name in ["field-3000x2000-progressive.jpg", "field-3000x2000-exif6.jpg", "field-3000x2000-gray.jpg"] {
            let data = try photo(name)
            for (minimum, denom) in [(224, 8), (250, 8), (300, 4), (600, 2)] {
                let image = try ImageDecoder.decode(data, budget: DecodeBudget(maxPixels: 1_000_000, minimumShortSide: minimum))
                let e = try XCTUnwrap(expected["\(name)@1/\(denom)"] as? [String: Any], "\(name)@1/\(denom)")
                XCTAssertEqual(image.width, e["width"] as? Int, "\(name) min \(minimum)")
                XCTAssertEqual(image.height, e["height"] as? Int, "\(name) min \(minimum)")
                XCTAssertEqual(Int(Self.crc32(image.pixels)), e["crc32"] as? Int,
                               "\(name) at 1/\(denom) differs from Pillow's draft decode")
                XCTAssertGreaterThanOrEqual(min(image.width, image.height), minimum)
            }
            let full = try ImageDecoder.decode(data, budget: DecodeBudget(maxPixels: 1_000_000, minimumShortSide: 1200))
            XCTAssertEqual(full, try ImageDecoder.decode(data), name)
        }
    }

    /// A progressive JPEG keeps every coefficient of the full frame whatever the scale: for
    /// 3000x2000 4:2:0 that is (376*250 + 2*188*125) blocks * 128 bytes = 18,048,000 bytes (luma
    /// rounded up to whole 2x2 sampling units, as libjpeg allocates it). A
    /// budget below it plus the scaled output refuses the decode, naming the budget.
    func testProgressiveCoefficientMemoryCountsAgainstTheBudget() throws {
        let data = try photo("field-3000x2000-progressive.jpg")
        let budget = DecodeBudget(maxPixels: 1_000_000, minimumShortSide: 224, maxBytes: 16 << 20)
        XCTAssertThrowsError(try ImageDecoder.decode(data, budget: budget)) { error in
            guard case .tooLarge(.jpeg, 3000, 2000, let limit) = error as? ImageDecodeError else { return XCTFail("\(error)") }
            XCTAssertEqual(limit, "a decode budget of 16777216 bytes (this one needs about \(18_048_000 + 375 * 250 * 3), most of it progressive coefficients)")
        }
        XCTAssertNoThrow(try ImageDecoder.decode(data, budget: DecodeBudget(maxPixels: 1_000_000, minimumShortSide: 224, maxBytes: 19 << 20)))
        // The same frame stored sequentially needs only its scaled output.
        let sequential = try photo("field-3000x2000-gray.jpg")
        XCTAssertNoThrow(try ImageDecoder.decode(sequential, budget: DecodeBudget(maxPixels: 1_000_000, minimumShortSide: 224, maxBytes: 1 << 20)))
    }

    /// PNG cannot be scaled: its raw rows plus RGB output are checked against `maxBytes` from
    /// IHDR, and within the budget it decodes exactly as without one.
    func testPNGIsBoundedByItsIHDR() throws {
        let data = try photo("field-1200x800.png")
        let needed = 2 * 1200 * 800 * 3  // RGB8 rows as libspng fills them, then the RGB output
        XCTAssertThrowsError(try ImageDecoder.decode(data, budget: DecodeBudget(maxPixels: 1, minimumShortSide: 1, maxBytes: needed - 1))) { error in
            guard case .tooLarge(.png, 1200, 800, let limit) = error as? ImageDecodeError else { return XCTFail("\(error)") }
            XCTAssertTrue(limit.hasPrefix("a decode budget of \(needed - 1) bytes"), limit)
        }
        let within = try ImageDecoder.decode(data, budget: DecodeBudget(maxPixels: 1, minimumShortSide: 1, maxBytes: needed + 1 << 20))
        XCTAssertEqual(within, try ImageDecoder.decode(data))
    }
}

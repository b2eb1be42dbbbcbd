import TestSupport
import XCTest

/// The shared test generators give the published reference values, so the fixtures other test
/// targets build from them stay the same bytes.
final class TestSupportTests: XCTestCase {
    func testCRC32OfTheStandardCheckString() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([]), 0)
    }

    func testSplitMix64FirstOutputsForSeedZero() {
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual([rng.next(), rng.next(), rng.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }
}

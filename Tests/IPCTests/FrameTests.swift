import XCTest
import Glibc
@testable import IPC

final class FrameTests: XCTestCase {
    func testFrameRoundTripsWhenFedOneByteAtATime() throws {
        let frames = [Frame(json: Data("{\"a\":1}".utf8)), Frame(json: Data("{}".utf8), attachment: Data([0, 1, 2, 255]))]
        let stream = frames.map { $0.encoded() }.reduce(Data(), +)
        var decoder = FrameDecoder()
        var out: [Frame] = []
        for byte in stream {
            decoder.append(Data([byte]))
            while let f = try decoder.next() { out.append(f) }
        }
        XCTAssertEqual(out, frames)
        XCTAssertFalse(decoder.hasPartialFrame)
    }

    func testHeaderIsBigEndianLengths() {
        let bytes = [UInt8](Frame(json: Data("{}".utf8), attachment: Data([9, 9, 9])).encoded())
        XCTAssertEqual(Array(bytes.prefix(8)), [0, 0, 0, 2, 0, 0, 0, 3])
        XCTAssertEqual(bytes.count, 8 + 2 + 3)
    }

    func testOversizedJSONIsRefusedFromTheHeaderAlone() {
        var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 100, maxAttachmentBytes: 1000))
        decoder.append(Data([0, 0, 0, 101, 0, 0, 0, 0]))
        XCTAssertThrowsError(try decoder.next()) { error in
            XCTAssertEqual(error as? FrameError, .tooLarge(part: "JSON", size: 101, limit: 100))
            XCTAssertTrue("\(error)".contains("101"))
        }
    }

    func testOversizedAttachmentIsRefused() {
        var decoder = FrameDecoder(limits: FrameLimits(maxJSONBytes: 100, maxAttachmentBytes: 1000))
        decoder.append(Data([0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff]))
        XCTAssertThrowsError(try decoder.next()) { error in
            XCTAssertEqual(error as? FrameError, .tooLarge(part: "attachment", size: 0xffff_ffff, limit: 1000))
        }
    }

    func testHalfFrameIsHeldAsPartial() throws {
        var decoder = FrameDecoder()
        let whole = Frame(json: Data("{\"x\":true}".utf8)).encoded()
        decoder.append(whole.prefix(11))
        XCTAssertNil(try decoder.next())
        XCTAssertTrue(decoder.hasPartialFrame)
        decoder.append(whole.dropFirst(11))
        XCTAssertEqual(try decoder.next()?.json, Data("{\"x\":true}".utf8))
    }

    func testEmptyJSONIsAnError() {
        var decoder = FrameDecoder()
        decoder.append(Data([0, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertThrowsError(try decoder.next())
    }
}

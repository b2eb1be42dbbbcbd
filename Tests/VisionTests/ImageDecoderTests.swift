import Foundation
import TestSupport
import XCTest
@testable import Vision

/// Decoded pixels against transformers' `load_image` (Pillow 9.4 `exif_transpose` + `convert("RGB")`).
final class ImageDecoderTests: XCTestCase {
    typealias S = ImageTestSupport

    /// Every PNG colour type and bit depth, tRNS, interlacing, EXIF / raw-profile / XMP
    /// orientation in PNG, EXIF in JPEG (both byte orders), 4:2:0, 4:2:2, progressive, gray, CMYK.
    func testUnitImagesEqualLoadImage() throws {
        let manifest = try S.json(S.unit.appendingPathComponent("manifest.json"))
        let cases = try XCTUnwrap(manifest["decode"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 40)
        for c in cases {
            let file = c["file"] as! String, expected = c["expected"] as! String
            try assertDecodes(S.unit.appendingPathComponent(file), equal: S.unit.appendingPathComponent(expected),
                              width: c["width"] as! Int, height: c["height"] as! Int, label: file)
        }
    }

    /// The shared fixture photos (made by scripts/make_fixtures.py) against their decoded RGB.
    func testFixtureImagesEqualLoadImage() throws {
        let manifest = try S.json(S.fixtures.appendingPathComponent("expected/manifest.json"))
        let images = try XCTUnwrap(manifest["images"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(images.count, 12)
        for image in images {
            let decoded = try XCTUnwrap(image["decoded"] as? [String: Any])
            try assertDecodes(S.fixtures.appendingPathComponent(image["file"] as! String),
                              equal: S.fixtures.appendingPathComponent(decoded["file"] as! String),
                              width: decoded["width"] as! Int, height: decoded["height"] as! Int,
                              label: image["file"] as! String)
        }
    }

    private func assertDecodes(_ input: URL, equal expectedURL: URL, width: Int, height: Int, label: String) throws {
        let image: RGBImage
        do { image = try ImageDecoder.decode(try S.data(input)) } catch {
            XCTFail("\(label): \(error)")
            return
        }
        let expected = [UInt8](try S.data(expectedURL))
        XCTAssertEqual(image.width, width, label)
        XCTAssertEqual(image.height, height, label)
        let (mismatches, maxDiff) = S.compare(image.pixels, expected)
        print("decode \(label): \(width)x\(height) mismatching bytes \(mismatches)/\(expected.count) max diff \(maxDiff)")
        XCTAssertEqual(mismatches, 0, "\(label): \(mismatches) bytes differ (max diff \(maxDiff))")
    }

    /// All eight orientations of the same asymmetric picture: each equals orientation 1 put
    /// through the matching Pillow transpose, and the four quarter-turn ones swap width and height.
    func testAllEightOrientationsAreUpright() throws {
        for prefix in ["jpeg-exif-", "png-exif-"] {
            let ext = prefix.hasPrefix("png") ? "png" : "jpg"
            let up = try ImageDecoder.decode(try S.data(S.unit.appendingPathComponent("decode/\(prefix)1.\(ext)")))
            var seen: Set<[UInt8]> = []
            for o in 1...8 {
                let image = try ImageDecoder.decode(try S.data(S.unit.appendingPathComponent("decode/\(prefix)\(o).\(ext)")))
                let expected = [UInt8](try S.data(S.unit.appendingPathComponent("decode/\(prefix)\(o).rgb")))
                XCTAssertEqual(image.pixels, expected, "\(prefix)\(o)")
                XCTAssertEqual(ExifOrientation(rawValue: o)!.apply(to: up), image, "\(prefix)\(o)")
                XCTAssertEqual(image.width, o >= 5 ? up.height : up.width, "\(prefix)\(o)")
                seen.insert(image.pixels)
            }
            XCTAssertEqual(seen.count, 8, "\(prefix): the eight orientations must all differ")
        }
    }

    func testOrientationTransposesMatchPillowOnATinyImage() {
        // 3x2 image, pixel value = index: rows [0 1 2] [3 4 5]. Expected layouts from
        // Pillow's Image.transpose on the same array.
        let image = RGBImage(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        let expected: [ExifOrientation: (Int, [UInt8])] = [
            .up: (3, [0, 1, 2, 3, 4, 5]),
            .upMirrored: (3, [2, 1, 0, 5, 4, 3]),
            .down: (3, [5, 4, 3, 2, 1, 0]),
            .downMirrored: (3, [3, 4, 5, 0, 1, 2]),
            .leftMirrored: (2, [0, 3, 1, 4, 2, 5]),
            .right: (2, [3, 0, 4, 1, 5, 2]),
            .rightMirrored: (2, [5, 2, 4, 1, 3, 0]),
            .left: (2, [2, 5, 1, 4, 0, 3]),
        ]
        for (o, (w, order)) in expected {
            let out = o.apply(to: image)
            XCTAssertEqual(out.width, w, "\(o)")
            XCTAssertEqual(stride(from: 0, to: out.pixels.count, by: 3).map { out.pixels[$0] }, order, "\(o)")
        }
    }

    // MARK: - Bad input

    private func decodeError(_ data: Data, limits: ImageLimits = .default,
                             file: StaticString = #filePath, line: UInt = #line) -> ImageDecodeError? {
        do {
            let image = try ImageDecoder.decode(data, limits: limits)
            XCTFail("decoded \(image.width)x\(image.height) from bad input", file: file, line: line)
            return nil
        } catch let error as ImageDecodeError {
            return error
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
            return nil
        }
    }

    func testEmptyInput() throws {
        XCTAssertEqual(decodeError(Data()), .empty)
        XCTAssertEqual(decodeError(try S.data(S.fixtures.appendingPathComponent("bad/empty.jpg"))), .empty)
        XCTAssertTrue(ImageDecodeError.empty.description.contains("empty"))
    }

    func testRandomBytesAndText() throws {
        for name in ["bad/random.bin", "bad/random.jpg", "bad/not-an-image.txt"] {
            let error = decodeError(try S.data(S.fixtures.appendingPathComponent(name)))
            guard case .notJPEGOrPNG? = error else { return XCTFail("\(name): \(String(describing: error))") }
            XCTAssertTrue(error!.description.contains("not a JPEG or PNG image"), error!.description)
        }
    }

    func testTruncatedFiles() throws {
        let cases: [(URL, ImageFormat)] = [
            (S.fixtures.appendingPathComponent("bad/truncated.jpg"), .jpeg),
            (S.unit.appendingPathComponent("bad/truncated-progressive.jpg"), .jpeg),
            (S.unit.appendingPathComponent("bad/truncated.png"), .png),
        ]
        for (url, format) in cases {
            let error = decodeError(try S.data(url))
            guard case .truncated(let f, _)? = error else {
                return XCTFail("\(url.lastPathComponent): \(String(describing: error))")
            }
            XCTAssertEqual(f, format)
            XCTAssertTrue(error!.description.contains("truncated"), error!.description)
        }
        // Pillow refuses every proper prefix of a JPEG, and every prefix of a PNG that ends
        // before the zlib checksum (it accepts one missing only its last 20 bytes: Adler-32,
        // IDAT CRC and IEND). Each such prefix must fail cleanly here too.
        for (name, tail) in [("decode/jpeg-progressive.jpg", 1), ("decode/jpeg-420-odd.jpg", 1),
                             ("decode/png-rgb8-interlaced.png", 20), ("decode/png-palette4-trns.png", 20)] {
            let good = try S.data(S.unit.appendingPathComponent(name))
            for cut in 0..<(good.count - tail) {
                XCTAssertNotNil(decodeError(good.prefix(cut)), "\(name) cut at \(cut)")
            }
        }
    }

    func testHugeHeadersAreRefusedBeforeAllocation() throws {
        for url in [S.fixtures.appendingPathComponent("bad/huge-header.jpg"),
                    S.fixtures.appendingPathComponent("bad/huge-header.png"),
                    S.unit.appendingPathComponent("bad/huge-header.jpg"),
                    S.unit.appendingPathComponent("bad/huge-header.png")] {
            let error = decodeError(try S.data(url))
            guard case .tooLarge(_, let w, let h, _)? = error else {
                return XCTFail("\(url.path): \(String(describing: error))")
            }
            XCTAssertEqual(w, 60000)
            XCTAssertEqual(h, 60000)
            let text = error!.description
            XCTAssertTrue(text.contains("60000x60000") && text.contains("20000"), text)
        }
    }

    func testLimitsAreConfigurable() throws {
        let jpeg = try S.data(S.unit.appendingPathComponent("decode/jpeg-420-odd.jpg"))  // 37x23
        let png = try S.data(S.unit.appendingPathComponent("decode/png-rgb8.png"))  // 13x7
        XCTAssertNoThrow(try ImageDecoder.decode(jpeg, limits: ImageLimits(maxPixels: 37 * 23, maxSide: 37)))
        let side = decodeError(jpeg, limits: ImageLimits(maxSide: 36))
        XCTAssertEqual(side, .tooLarge(format: .jpeg, width: 37, height: 23, limit: "at most 36 pixels a side"))
        let total = decodeError(png, limits: ImageLimits(maxPixels: 90))
        XCTAssertEqual(total, .tooLarge(format: .png, width: 13, height: 7, limit: "at most 90 pixels in total"))
        XCTAssertEqual(total?.description, "PNG image is 13x7, over the limit of at most 90 pixels in total")
    }

    func testCorruptFiles() throws {
        let crc = decodeError(try S.data(S.unit.appendingPathComponent("bad/bad-crc.png")))
        guard case .corrupt(.png, let detail)? = crc else { return XCTFail(String(describing: crc)) }
        XCTAssertTrue(detail.contains("checksum"), detail)
        let soi = decodeError(try S.data(S.fixtures.appendingPathComponent("bad/garbage-after-soi.jpg")))
        XCTAssertNotNil(soi)
    }

    /// Seeded random corruption of good files: every result is an image or an ImageDecodeError.
    func testMutatedFilesNeverCrash() throws {
        var rng = SplitMix64(seed: 7)
        var decoded = 0, refused = 0
        for name in ["decode/jpeg-420-odd.jpg", "decode/jpeg-progressive.jpg", "decode/jpeg-cmyk.jpg",
                     "decode/png-palette4-trns.png", "decode/png-rgb8-interlaced.png", "decode/png-exif-6.png"] {
            let good = [UInt8](try S.data(S.unit.appendingPathComponent(name)))
            for _ in 0..<150 {
                var bytes = good
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                do {
                    let image = try ImageDecoder.decode(Data(bytes))
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                    decoded += 1
                } catch is ImageDecodeError {
                    refused += 1
                }
            }
        }
        print("mutated files: \(decoded) decoded, \(refused) refused")
        XCTAssertEqual(decoded + refused, 900)
    }
}

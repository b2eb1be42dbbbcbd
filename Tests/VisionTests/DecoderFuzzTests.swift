import Foundation
import TestSupport
import XCTest
@testable import Vision

/// Structure-aware seeded fuzzing of `ImageDecoder`, beyond `testMutatedFilesNeverCrash` (random
/// byte overwrites, which a PNG's CRCs mostly stop at the first check): PNG chunks mutated with
/// their lengths and CRCs made valid again, so the bytes reach IHDR/PLTE/tRNS/eXIf parsing, zlib
/// and the row filters; JPEG marker segments (tables, frame and scan headers, EXIF) mutated with
/// consistent lengths; bytes inserted, deleted and spliced between files. Every outcome must
/// be an image of the size it claims or an `ImageDecodeError`.
final class DecoderFuzzTests: XCTestCase {
    private typealias S = ImageTestSupport
    /// Tighter than the defaults so a mutated size inside them stays cheap to attempt.
    private let limits = ImageLimits(maxPixels: 4_000_000, maxSide: 4000)

    private let pngs = ["decode/png-exif-6.png", "decode/png-palette4-trns.png", "decode/png-gray2-interlaced.png",
                        "decode/png-la16.png", "decode/png-gray16.png", "decode/png-exif-after-idat-6.png"]
    private let jpegs = ["decode/jpeg-exif-6.jpg", "decode/jpeg-progressive.jpg", "decode/jpeg-cmyk.jpg",
                         "decode/jpeg-420-odd.jpg", "decode/jpeg-gray.jpg"]

    func testPNGChunksMutatedWithValidChecksums() throws {
        var rng = SplitMix64(seed: 0x504E47)
        var tally = Tally()
        for name in pngs {
            let good = [UInt8](try S.data(S.unit.appendingPathComponent(name)))
            let chunks = try XCTUnwrap(PNGChunks(good), name)
            for _ in 0..<1000 {
                var c = chunks
                c.mutate(&rng)
                tally.add(decode(c.encoded(), name))
            }
        }
        print("PNG chunk fuzz: \(tally)")
        XCTAssertGreaterThan(tally.decoded, 0, "no mutation was benign: the mutator is broken")
        XCTAssertGreaterThan(tally.refused, 0)
    }

    func testJPEGSegmentsMutatedWithConsistentLengths() throws {
        var rng = SplitMix64(seed: 0x4A5047)
        var tally = Tally()
        for name in jpegs {
            let good = [UInt8](try S.data(S.unit.appendingPathComponent(name)))
            let segments = try XCTUnwrap(JPEGSegments(good), name)
            for _ in 0..<1000 {
                var s = segments
                s.mutate(&rng)
                tally.add(decode(s.encoded(), name))
            }
        }
        print("JPEG segment fuzz: \(tally)")
        XCTAssertGreaterThan(tally.decoded, 0)
        XCTAssertGreaterThan(tally.refused, 0)
    }

    func testInsertedDeletedAndSplicedBytes() throws {
        var rng = SplitMix64(seed: 0x5350_4C49)
        var tally = Tally()
        let files = try (pngs + jpegs).map { [UInt8](try S.data(S.unit.appendingPathComponent($0))) }
        for _ in 0..<5000 {
            var b = files[Int(rng.next() % UInt64(files.count))]
            switch rng.next() % 3 {
            case 0:
                // A run of random bytes inserted somewhere.
                let at = Int(rng.next() % UInt64(b.count + 1))
                b.insert(contentsOf: (0..<Int(1 + rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 1:
                let at = Int(rng.next() % UInt64(b.count))
                b.removeSubrange(at..<min(b.count, at + Int(1 + rng.next() % 256)))
            default:
                // The head of one file with the tail of another (same format or not).
                let other = files[Int(rng.next() % UInt64(files.count))]
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count)))) + Array(other.suffix(Int(rng.next() % UInt64(other.count))))
            }
            tally.add(decode(b, "splice"))
        }
        print("insert/delete/splice fuzz: \(tally)")
        XCTAssertEqual(tally.decoded + tally.refused, 5000)
    }

    // MARK: - Decoding

    private struct Tally: CustomStringConvertible {
        var decoded = 0, refused = 0
        mutating func add(_ r: Result<RGBImage, ImageDecodeError>?) {
            switch r {
            case .success?: decoded += 1
            case .failure?: refused += 1
            case nil: break
            }
        }
        var description: String { "\(decoded) decoded, \(refused) refused" }
    }

    private func decode(_ bytes: [UInt8], _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Result<RGBImage, ImageDecodeError>? {
        do {
            let image = try ImageDecoder.decode(Data(bytes), limits: limits)
            XCTAssertEqual(image.pixels.count, image.width * image.height * 3, name, file: file, line: line)
            XCTAssertTrue(image.width > 0 && image.height > 0 && image.width <= 4000 && image.height <= 4000, name, file: file, line: line)
            return .success(image)
        } catch let e as ImageDecodeError {
            XCTAssertFalse(e.description.isEmpty, file: file, line: line)
            return .failure(e)
        } catch {
            XCTFail("\(name): not an ImageDecodeError: \(error)", file: file, line: line)
            return nil
        }
    }
}

/// A PNG as its signature and chunks, re-encoded with each chunk's length and CRC made right.
private struct PNGChunks {
    var signature: [UInt8]
    var chunks: [(type: [UInt8], data: [UInt8])]

    init?(_ b: [UInt8]) {
        guard b.count > 8 else { return nil }
        signature = Array(b[0..<8])
        chunks = []
        var i = 8
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard i + 12 + length <= b.count else { return nil }
            chunks.append((Array(b[(i + 4)..<(i + 8)]), Array(b[(i + 8)..<(i + 8 + length)])))
            i += 12 + length
        }
    }

    mutating func mutate(_ rng: inout SplitMix64) {
        // Header and ancillary chunks are small and dense with meaning: pick them more often.
        let weighted = chunks.indices.flatMap { i -> [Int] in
            String(decoding: chunks[i].type, as: UTF8.self) == "IDAT" ? [i] : [i, i, i]
        }
        let k = weighted[Int(rng.next() % UInt64(weighted.count))]
        var data = chunks[k].data
        switch rng.next() % 7 {
        case 0, 1:
            for _ in 0..<(1 + Int(rng.next() % 3)) where !data.isEmpty {
                data[Int(rng.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 2 where !data.isEmpty:
            // An extreme value: the fields that say sizes, depths, counts and offsets.
            data[Int(rng.next() % UInt64(data.count))] = [0x00, 0x01, 0x7F, 0x80, 0xFF][Int(rng.next() % 5)]
        case 3:
            data = Array(data.prefix(Int(rng.next() % UInt64(data.count + 1))))
        case 4:
            data += (0..<Int(1 + rng.next() % 32)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 5:
            chunks.insert(chunks[k], at: Int(rng.next() % UInt64(chunks.count + 1)))
            return
        default:
            if chunks.count > 1 { chunks.remove(at: k) }
            return
        }
        chunks[k].data = data
    }

    func encoded() -> [UInt8] {
        var out = signature
        for c in chunks {
            let n = UInt32(c.data.count)
            out += [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)]
            out += c.type + c.data
            let crc = CRC32.checksum(c.type + c.data)
            out += [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        }
        return out
    }

}

/// A JPEG as its marker segments up to and including SOS, then the entropy-coded rest.
private struct JPEGSegments {
    var segments: [(marker: UInt8, data: [UInt8])]
    var scan: [UInt8]

    init?(_ b: [UInt8]) {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        segments = []
        var i = 2
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            segments.append((marker, Array(b[(i + 4)..<(i + 2 + length)])))
            i += 2 + length
            if marker == 0xDA { break }
        }
        scan = Array(b[i...])
    }

    mutating func mutate(_ rng: inout SplitMix64) {
        if rng.next() % 5 == 0 {
            // The entropy-coded data: a few bytes changed (markers inside included).
            for _ in 0..<(1 + Int(rng.next() % 4)) where !scan.isEmpty {
                scan[Int(rng.next() % UInt64(scan.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            return
        }
        let k = Int(rng.next() % UInt64(segments.count))
        var data = segments[k].data
        switch rng.next() % 6 {
        case 0, 1:
            for _ in 0..<(1 + Int(rng.next() % 3)) where !data.isEmpty {
                data[Int(rng.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
        case 2 where !data.isEmpty:
            data[Int(rng.next() % UInt64(data.count))] = [0x00, 0x01, 0x03, 0x04, 0x10, 0x7F, 0xFF][Int(rng.next() % 7)]
        case 3:
            data = Array(data.prefix(Int(rng.next() % UInt64(data.count + 1))))
        case 4:
            segments.insert(segments[k], at: Int(rng.next() % UInt64(segments.count + 1)))
            return
        default:
            if segments.count > 1 { segments.remove(at: k) }
            return
        }
        segments[k].data = data
    }

    func encoded() -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        for s in segments {
            let n = min(s.data.count, 0xFFFF - 2) + 2
            out += [0xFF, s.marker, UInt8(n >> 8), UInt8(n & 0xFF)] + s.data.prefix(n - 2)
        }
        return out + scan
    }
}

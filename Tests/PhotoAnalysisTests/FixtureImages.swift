import CSpng
import CTurboJPEG
import Foundation
import PhotoAnalysis
import XCTest

/// Loads the photo-analysis fixtures: Tests/Fixtures/analysis and its manifest.json.
///
/// The fixtures are plain 8-bit RGB JPEGs and PNGs without EXIF orientation written by
/// scripts/make_analysis_fixtures.py, so a minimal decoder over libturbojpeg and libspng is
/// enough here; the daemon decodes real photos with Vision's `ImageDecoder`.
enum FixtureImages {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/analysis")

    struct Manifest: Decodable {
        struct TextPhoto: Decodable {
            var file: String
            var lines: [String]
            var font: String
            var size: Int
            var angle: Int
            var polarity: String
            var qualityFlags: [String]
        }
        struct Photo: Decodable {
            var file: String
            var qualityFlags: [String]
            var optionalFlags: [String]?
            var source: String?
            var degradation: String?
            var amount: Double?
        }
        var text: [TextPhoto]
        var notext: [Photo]
        var quality: [Photo]
    }

    static func manifest() throws -> Manifest {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    static func load(_ file: String) throws -> PixelImage {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return file.hasSuffix(".png") ? try decodePNG(data, file) : try decodeJPEG(data, file)
    }

    struct DecodeFailure: Error, CustomStringConvertible {
        var description: String
    }

    static func decodeJPEG(_ data: Data, _ name: String) throws -> PixelImage {
        guard let handle = tjInitDecompress() else { throw DecodeFailure(description: "\(name): tjInitDecompress failed") }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { raw -> PixelImage in
            let src = raw.bindMemory(to: UInt8.self).baseAddress
            var w: Int32 = 0, h: Int32 = 0, sub: Int32 = 0, cs: Int32 = 0
            guard tjDecompressHeader3(handle, src, UInt(raw.count), &w, &h, &sub, &cs) == 0 else {
                throw DecodeFailure(description: "\(name): not a JPEG")
            }
            var rgb = [UInt8](repeating: 0, count: Int(w) * Int(h) * 3)
            let rc = rgb.withUnsafeMutableBufferPointer {
                tjDecompress2(handle, src, UInt(raw.count), $0.baseAddress, w, 0, h, Int32(TJPF_RGB.rawValue), 0)
            }
            guard rc == 0 else { throw DecodeFailure(description: "\(name): JPEG decoding failed") }
            return try PixelImage(width: Int(w), height: Int(h), rgb: rgb)
        }
    }

    static func decodePNG(_ data: Data, _ name: String) throws -> PixelImage {
        guard let ctx = spng_ctx_new(0) else { throw DecodeFailure(description: "\(name): spng_ctx_new failed") }
        defer { spng_ctx_free(ctx) }
        return try data.withUnsafeBytes { raw -> PixelImage in
            var ihdr = spng_ihdr()
            var size = 0
            let fmt = Int32(SPNG_FMT_RGB8.rawValue)
            guard spng_set_png_buffer(ctx, raw.baseAddress, raw.count) == 0,
                  spng_get_ihdr(ctx, &ihdr) == 0,
                  spng_decoded_image_size(ctx, fmt, &size) == 0 else {
                throw DecodeFailure(description: "\(name): not a PNG")
            }
            var rgb = [UInt8](repeating: 0, count: size)
            let rc = rgb.withUnsafeMutableBytes { spng_decode_image(ctx, $0.baseAddress, size, fmt, 0) }
            guard rc == 0 else { throw DecodeFailure(description: "\(name): PNG decoding failed (\(rc))") }
            return try PixelImage(width: Int(ihdr.width), height: Int(ihdr.height), rgb: rgb)
        }
    }
}

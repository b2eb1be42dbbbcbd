import Foundation
import PhotoAnalysis
import Vision
import XCTest

/// Loads the photo-analysis fixtures: Tests/Fixtures/analysis and its manifest.json.
///
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

    /// Decodes a fixture with the same decoder the daemon uses for real photos.
    static func load(_ file: String) throws -> PixelImage {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        let image = try ImageDecoder.decode(data)
        return try PixelImage(width: image.width, height: image.height, rgb: image.pixels)
    }
}

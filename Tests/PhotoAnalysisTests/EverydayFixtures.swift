import Foundation
import PhotoAnalysis
import Vision

/// Loads Tests/Fixtures/everyday (written by scripts/make_everyday_fixtures.py) and its
/// manifest.json.
enum EverydayFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/everyday")

    struct Manifest: Decodable {
        struct Code: Decodable {
            var file: String
            var kind: String
            var symbology: String
            var data: String
            var variant: String
            var angle: Int
            var blur: Double
            var edge: String?
        }
        struct Colour: Decodable {
            var file: String
            var kind: String
            var light: String
            var colours: [[String]]
        }
        struct Document: Decodable {
            var file: String
            var columns: Int
            var cut: [String]
            var words: Int?
            var paragraphs: [String]?
            var leftFirst: [String]?
            var rightFirst: [String]?
            var items: [String]?
            var total: String?
        }
        struct Label: Decodable {
            var file: String
            var ink: Double
            var qualityFlags: [String]
        }
        var codes: [Code]
        var colours: [Colour]
        var documents: [Document]
        var labels: [Label]
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
    }

    /// Decodes a fixture with the daemon's decoder.
    static func load(_ file: String, in dir: URL = directory) throws -> PixelImage {
        let image = try ImageDecoder.decode(try Data(contentsOf: dir.appendingPathComponent(file)))
        return try PixelImage(width: image.width, height: image.height, rgb: image.pixels)
    }
}

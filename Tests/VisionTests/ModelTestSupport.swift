import Foundation
import XCTest
@testable import Vision

/// Fixture access shared by the model and generation tests.
enum ModelFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func modelDirectory(_ name: String) -> URL { root.appendingPathComponent("models/\(name)") }
    static func expectedDirectory(_ name: String) -> URL { root.appendingPathComponent("expected/\(name)") }

    /// Little-endian float32 file contents.
    static func floats(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Image stems that have `pixels.f32` in the model's expected directory, sorted.
    static func stems(_ model: String) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: expectedDirectory(model).path)
        return files.filter { $0.hasSuffix(".pixels.f32") }.map { String($0.dropLast(".pixels.f32".count)) }.sorted()
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
        var m: Float = 0
        for i in 0..<a.count {
            let d = abs(a[i] - b[i])
            if d.isNaN { return .infinity }
            m = max(m, d)
        }
        return m
    }

    /// Models made by scripts/dev/model_reference.py (committed): options the main fixtures lack
    /// (enc_to_dec_proj, quick_gelu, no q/k/v bias, scale_attn_by_inverse_layer_idx, reorder_and_upcast_attn).
    static let devModels = ["dev-st", "dev-proj", "dev-upcast"]

    static func requireModel(_ name: String, optional: Bool) throws {
        if !FileManager.default.fileExists(atPath: modelDirectory(name).appendingPathComponent("config.json").path) {
            if optional { throw XCTSkip("dev fixture \(name) absent; run scripts/dev/model_reference.py Tests/Fixtures") }
            XCTFail("fixture model \(name) missing under \(root.path)")
            throw XCTSkip("missing fixture")
        }
    }
}

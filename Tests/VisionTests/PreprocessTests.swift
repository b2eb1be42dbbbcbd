import Foundation
import XCTest
@testable import Vision

/// PIL `Image.resize` and `ViTImageProcessor` parity (transformers 4.40.2, Pillow 9.4).
final class PreprocessTests: XCTestCase {
    typealias S = ImageTestSupport

    /// Every PIL filter, up- and down-scaling, odd sizes, one axis unchanged, 1x1 targets.
    func testResizeEqualsPillow() throws {
        let manifest = try S.json(S.unit.appendingPathComponent("manifest.json"))
        let resize = try XCTUnwrap(manifest["resize"] as? [String: Any])
        let sources = try XCTUnwrap(resize["sources"] as? [[String: Int]])
        let cases = try XCTUnwrap(resize["cases"] as? [[String: Int]])
        let sourceBytes = [UInt8](try S.data(S.unit.appendingPathComponent("resize/sources.bin")))
        let expectedBytes = [UInt8](try S.data(S.unit.appendingPathComponent("resize/expected.bin")))
        let images = sources.map { s -> RGBImage in
            let n = s["width"]! * s["height"]! * 3
            return RGBImage(width: s["width"]!, height: s["height"]!,
                            pixels: Array(sourceBytes[s["offset"]!..<(s["offset"]! + n)]))
        }
        XCTAssertGreaterThan(cases.count, 100)
        var perFilter: [ResampleFilter: (cases: Int, bad: Int)] = [:]
        for c in cases {
            let filter = try XCTUnwrap(ResampleFilter(rawValue: c["filter"]!))
            let (w, h) = (c["width"]!, c["height"]!)
            let source = images[c["source"]!]
            let out = PILResampler.resize(source, width: w, height: h, filter: filter)
            let expected = Array(expectedBytes[c["offset"]!..<(c["offset"]! + w * h * 3)])
            let (mismatches, maxDiff) = S.compare(out.pixels, expected)
            perFilter[filter, default: (0, 0)].cases += 1
            if mismatches > 0 { perFilter[filter, default: (0, 0)].bad += 1 }
            XCTAssertEqual(mismatches, 0,
                           "\(filter) \(source.width)x\(source.height) -> \(w)x\(h): \(mismatches) bytes differ, max \(maxDiff)")
        }
        for (filter, r) in perFilter.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("resize \(filter): \(r.cases - r.bad)/\(r.cases) cases identical")
        }
    }

    /// ViTImageProcessor on one photo under configs covering every key.
    func testPixelValuesEqualViTImageProcessor() throws {
        let manifest = try S.json(S.unit.appendingPathComponent("manifest.json"))
        let cases = try XCTUnwrap(manifest["pixels"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let config = try ImageProcessorConfig(contentsOf: S.unit.appendingPathComponent(c["config"] as! String))
            let image = try ImageDecoder.decode(try S.data(S.unit.appendingPathComponent(c["image"] as! String)))
            let expected = S.floats(try S.data(S.unit.appendingPathComponent(c["expected"] as! String)))
            let shape = c["shape"] as! [Int]
            let processor = ImageProcessor(config: config)
            let size = processor.outputSize(width: image.width, height: image.height)
            XCTAssertEqual([3, size.height, size.width], shape)
            let values = processor.pixelValues(image)
            XCTAssertEqual(values.count, expected.count)
            let (equal, maxDiff) = S.compare(values, expected)
            print("pixels \(c["config"]!): equal \(equal * 100)% max abs diff \(maxDiff)")
            XCTAssertEqual(equal, 1, "\(c["config"]!): max abs diff \(maxDiff)")
        }
    }

    /// The shared model fixtures: expected/<model>/<stem>.pixels.f32 from each model's own
    /// preprocessor_config.json (made by scripts/make_fixtures.py).
    func testFixturePixelValuesEqualViTImageProcessor() throws {
        let expectedDir = S.fixtures.appendingPathComponent("expected")
        let models = (try? FileManager.default.contentsOfDirectory(atPath: expectedDir.path)) ?? []
        var checked = 0
        for model in models.sorted() {
            let configURL = S.fixtures.appendingPathComponent("models/\(model)/preprocessor_config.json")
            guard FileManager.default.fileExists(atPath: configURL.path) else { continue }
            let processor = ImageProcessor(config: try ImageProcessorConfig(contentsOf: configURL))
            let files = try FileManager.default.contentsOfDirectory(atPath: expectedDir.appendingPathComponent(model).path)
            for file in files.sorted() where file.hasSuffix(".pixels.f32") {
                let stem = String(file.dropLast(".pixels.f32".count))
                let imageURL = ["jpg", "png"].map { S.fixtures.appendingPathComponent("images/\(stem).\($0)") }
                    .first { FileManager.default.fileExists(atPath: $0.path) }
                guard let imageURL else { continue }
                let values = processor.pixelValues(try ImageDecoder.decode(try S.data(imageURL)))
                let expected = S.floats(try S.data(expectedDir.appendingPathComponent("\(model)/\(file)")))
                XCTAssertEqual(values.count, expected.count, "\(model)/\(stem)")
                let (equal, maxDiff) = S.compare(values, expected)
                print("pixels \(model)/\(stem): equal \(equal * 100)% max abs diff \(maxDiff)")
                XCTAssertEqual(equal, 1, "\(model)/\(stem): max abs diff \(maxDiff)")
                checked += 1
            }
        }
        if checked == 0 { throw XCTSkip("no expected/<model>/*.pixels.f32 fixtures yet") }
    }

    // MARK: - Config

    func testConfigDefaultsAreViTImageProcessorDefaults() throws {
        let config = try ImageProcessorConfig(json: Data("{}".utf8))
        XCTAssertEqual(config, ImageProcessorConfig())
        XCTAssertEqual(config.height, 224)
        XCTAssertEqual(config.width, 224)
        XCTAssertEqual(config.resample, .bilinear)
        XCTAssertEqual(config.rescaleFactor, 1.0 / 255.0)
        XCTAssertEqual(config.imageMean, [0.5, 0.5, 0.5])
        XCTAssertEqual(config.imageStd, [0.5, 0.5, 0.5])
        XCTAssertTrue(config.doResize && config.doRescale && config.doNormalize)
    }

    func testConfigReadsEveryKey() throws {
        let json = """
        {"do_resize": true, "size": 384, "resample": 3, "do_rescale": true, "rescale_factor": 0.5,
         "do_normalize": false, "image_mean": [0.1, 0.2, 0.3], "image_std": 0.25, "do_convert_rgb": true,
         "image_processor_type": "ViTImageProcessor", "feature_extractor_type": "ViTFeatureExtractor"}
        """
        let config = try ImageProcessorConfig(json: Data(json.utf8))
        XCTAssertEqual(config, ImageProcessorConfig(doResize: true, height: 384, width: 384, resample: .bicubic,
                                                    doRescale: true, rescaleFactor: 0.5, doNormalize: false,
                                                    imageMean: [0.1, 0.2, 0.3], imageStd: [0.25, 0.25, 0.25],
                                                    doConvertRGB: true))
        let dict = try ImageProcessorConfig(json: Data(#"{"size": {"height": 10, "width": 20}}"#.utf8))
        XCTAssertEqual(dict.height, 10)
        XCTAssertEqual(dict.width, 20)
    }

    func testConfigErrorsNameTheKey() {
        let cases: [(String, String)] = [
            (#"{"size": {"shortest_edge": 224}}"#, #"preprocessor_config.json: size: expected {"height": h, "width": w} or a positive int, found {"shortest_edge": 224}"#),
            (#"{"resample": 9}"#, "preprocessor_config.json: resample: expected a PIL filter id 0...5, found 9"),
            (#"{"do_resize": 1}"#, "preprocessor_config.json: do_resize: expected true or false, found 1"),
            (#"{"image_mean": [0.5, 0.5]}"#, "preprocessor_config.json: image_mean: expected 3 numbers"),
            (#"{"image_std": [0.5, 0, 0.5]}"#, "preprocessor_config.json: image_std: expected non-zero values, found [0.5, 0, 0.5]"),
            (#"{"rescale_factor": "1/255"}"#, #"preprocessor_config.json: rescale_factor: expected a number, found "1/255""#),
            (#"[1, 2]"#, "preprocessor_config.json: expected a JSON object, found [1, 2]"),
            (#"{"size": "#, "preprocessor_config.json: not valid JSON"),
        ]
        for (json, needle) in cases {
            XCTAssertThrowsError(try ImageProcessorConfig(json: Data(json.utf8))) { error in
                XCTAssertTrue("\(error)".contains(needle), "\(json): \(error)")
            }
        }
    }

    // MARK: - Performance

    /// Decoding plus preprocessing a 12 MP JPEG (4000x3000, 4:2:0) to 224x224. Meaningful only
    /// in release builds (`swift test -c release --filter PreprocessTests/testTwelveMegapixel`).
    func testTwelveMegapixelTiming() throws {
        guard let path = ProcessInfo.processInfo.environment["ASSIST_IMAGE_BENCH_JPEG"] else {
            throw XCTSkip("set ASSIST_IMAGE_BENCH_JPEG to a large JPEG to time it")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let processor = ImageProcessor(config: ImageProcessorConfig())
        for _ in 0..<3 {
            let t0 = Date()
            let image = try ImageDecoder.decode(data)
            let t1 = Date()
            let values = processor.pixelValues(image)
            let t2 = Date()
            XCTAssertEqual(values.count, 3 * 224 * 224)
            print(String(format: "12MP timing %dx%d: decode %.1f ms, preprocess %.1f ms",
                         image.width, image.height, t1.timeIntervalSince(t0) * 1000, t2.timeIntervalSince(t1) * 1000))
        }
    }
}

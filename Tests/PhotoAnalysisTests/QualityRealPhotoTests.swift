import Foundation
import PhotoAnalysis
import XCTest

/// Issue 10 item 6: no false quality warnings on pages and labels, checked on real camera
/// photos from scikit-image's wheel (Tests/Fixtures/skimage, names, sizes and sources in its
/// manifest.json) and on the label renders of Tests/Fixtures/everyday/labels.
/// Set ASSIST_SKIMAGE_DATA to an unzipped wheel's skimage/data to print the scores of every
/// photo in it as well (the table in docs/analysis.md).
final class QualityRealPhotoTests: XCTestCase {
    static let skimage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/skimage")

    struct Manifest: Decodable {
        struct Photo: Decodable {
            var file: String
            var bytes: Int
            var sha256: String
            var qualityFlags: [String]
        }
        var photos: [Photo]
    }

    static func row(_ name: String, _ report: QualityReport) -> String {
        let s = report.scores
        func f(_ v: Float?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
        return "| \(name) | \(s.width)x\(s.height) | \(f(s.meanLuminance)) | \(f(s.p5))-\(f(s.p95)) | \(f(s.relativeContrast)) | "
            + "\(f(s.edgeContrast)) | \(f(s.edgeDarkSide)) | \(f(s.brightFraction)) | \(f(s.edgeSharpness)) | "
            + "\(report.problems.map(\.kind.rawValue).joined(separator: ", ")) |"
    }

    func testRealPhotosAndLabelsDrawOnlyTheirWarnings() throws {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: Self.skimage.appendingPathComponent("manifest.json")))
        let check = QualityCheck()
        var failures: [String] = []
        print("| photo | analysed | mean | p5-p95 | rel. contrast | edge contrast | edge dark side | blown out | edge sharpness | flags |")
        for photo in manifest.photos {
            let data = try Data(contentsOf: Self.skimage.appendingPathComponent(photo.file))
            XCTAssertEqual(data.count, photo.bytes, photo.file)
            let report = check.check(try EverydayFixtures.load(photo.file, in: Self.skimage))
            print(Self.row(photo.file, report))
            let got = report.problems.map(\.kind.rawValue)
            if Set(got) != Set(photo.qualityFlags) { failures.append("\(photo.file): got \(got), want \(photo.qualityFlags)") }
        }
        for label in try EverydayFixtures.manifest().labels {
            let report = check.check(try EverydayFixtures.load(label.file))
            print(Self.row(label.file + " (ink \(label.ink))", report))
            let got = report.problems.map(\.kind.rawValue)
            if Set(got) != Set(label.qualityFlags) { failures.append("\(label.file): got \(got), want \(label.qualityFlags)") }
        }
        if let dir = ProcessInfo.processInfo.environment["ASSIST_SKIMAGE_DATA"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }
            for name in names.sorted() {
                guard let image = try? EverydayFixtures.load(name, in: URL(fileURLWithPath: dir)) else { continue }
                print(Self.row("wheel: " + name, check.check(image)))
            }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}

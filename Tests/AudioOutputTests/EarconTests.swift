import Foundation
import XCTest
@testable import Speech

/// The earcons measured as signals: pitch by zero crossings (and by sox), length, level, edges.
final class EarconTests: XCTestCase {
    /// Rising zero crossings per second over the middle of `samples` (the ramps excluded).
    func frequency(_ samples: ArraySlice<Int16>, sampleRate: Int = 22050) -> Double {
        let body = Array(samples.dropFirst(samples.count / 5).dropLast(samples.count / 5))
        var crossings: [Int] = []
        for i in 1..<body.count where body[i - 1] < 0 && body[i] >= 0 { crossings.append(i) }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) * Double(sampleRate) / Double(last - first)
    }

    func testEachEarconHasItsPitchLengthAndSoftEdges() {
        let expected: [(Earcon, [(hz: Double, seconds: Double)])] = [
            (.keyPress, [(1760, 0.030)]),
            (.photoArrived, [(660, 0.070), (990, 0.090)]),
            (.working, [(440, 0.040)]),
            (.tone(frequency: 523.25, duration: 0.2), [(523.25, 0.2)]),
        ]
        for (earcon, notes) in expected {
            let samples = earcon.samples()
            XCTAssertEqual(samples.count, notes.reduce(0) { $0 + Int(($1.seconds * 22050).rounded()) }, "\(earcon)")
            var offset = 0
            for note in notes {
                let n = Int((note.seconds * 22050).rounded())
                let measured = frequency(samples[offset..<(offset + n)])
                print("\(earcon): \(note.hz) Hz note measured \(String(format: "%.1f", measured)) Hz by zero crossings")
                XCTAssertEqual(measured, note.hz, accuracy: note.hz * 0.02, "\(earcon)")
                // Each note starts and ends at silence: no click between notes or at the ends.
                XCTAssertEqual(samples[offset], 0)
                XCTAssertLessThan(abs(Int(samples[offset + n - 1])), 300, "\(earcon) note end")
                offset += n
            }
        }
    }

    func testLevelsAndVolume() {
        let peak = { (e: Earcon) in e.samples().map { abs(Int($0)) }.max()! }
        XCTAssertEqual(Double(peak(.keyPress)), 0.45 * 32767, accuracy: 400)
        XCTAssertLessThan(peak(.working), peak(.keyPress) / 2, "the working tick is soft")
        let half = Earcon.keyPress.samples(volume: 0.5).map { abs(Int($0)) }.max()!
        XCTAssertEqual(Double(half), Double(peak(.keyPress)) / 2, accuracy: 2)
        XCTAssertEqual(Earcon.keyPress.samples(volume: 0).allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(Earcon.keyPress.samples(volume: 10).map { abs(Int($0)) }.max(), 32767, "clipped to full scale")
        // The key click is short enough to finish long before the 100 ms budget ends.
        XCTAssertLessThanOrEqual(Earcon.keyPress.samples().count, 22050 / 20)
        XCTAssertEqual(Earcon.photoArrived.samples(), Earcon.photoArrived.samples(), "the same bytes every time")
    }

    func testBytesAreLittleEndianS16() {
        let samples = Earcon.photoArrived.samples()
        let bytes = Earcon.photoArrived.bytes()
        XCTAssertEqual(bytes.count, samples.count * 2)
        for i in stride(from: 0, to: samples.count, by: 97) {
            XCTAssertEqual(Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8), samples[i])
        }
    }

    func testSoxMeasuresTheSamePitch() throws {
        let sox = "/usr/bin/sox"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: sox), "sox is installed by scripts/install-deps")
        let path = NSTemporaryDirectory() + "earcon-\(UUID().uuidString).raw"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (earcon, hz) in [(Earcon.keyPress, 1760.0), (.working, 440.0), (.tone(frequency: 880, duration: 0.3), 880.0)] {
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(earcon.bytes())))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sox)
            process.arguments = ["-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", path, "-n", "stat"]
            let pipe = Pipe()
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("Rough   frequency:") })
            let measured = try XCTUnwrap(Double(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)))
            print("sox stat: \(earcon) rough frequency \(measured) Hz")
            XCTAssertEqual(measured, hz, accuracy: hz * 0.05, "\(earcon)")
        }
    }
}

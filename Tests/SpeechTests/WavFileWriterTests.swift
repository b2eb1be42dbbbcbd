import Foundation
import XCTest
@testable import Speech

final class WavFileWriterTests: XCTestCase {
    func testWavNamesSortByTimeThenId() {
        let date = Date(timeIntervalSince1970: 1_738_333_502.317)   // 2025-01-31 14:25:02.317 UTC
        XCTAssertEqual(WavFileWriter.stem(date: date, id: 42), "20250131-142502-317-00000042")
        let later = WavFileWriter.stem(date: date.addingTimeInterval(0.001), id: 7)
        XCTAssertLessThan(WavFileWriter.stem(date: date, id: 42), later)
        XCTAssertLessThan(WavFileWriter.stem(date: date, id: 9), WavFileWriter.stem(date: date, id: 10))
    }

    func testUnwritableWavDirectoryIsReportedNotFatal() throws {
        let recorder = EventRecorder()
        let blocker = try makeTemporaryDirectory().appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let directory = blocker.appendingPathComponent("sub").path   // below a regular file
        let speaker = try Speaker(sink: .wav(directory: directory), voice: VoiceSettings(),
                                  options: SpeakerOptions(worker: TestWorker.command), onEvent: recorder.handler)
        defer { speaker.shutdown() }
        XCTAssertFalse(speaker.health.ok)
        XCTAssertTrue(speaker.health.detail?.contains(directory) ?? false, "\(speaker.health)")
        let id = speaker.enqueue("Hello.", kind: .message)
        wait(for: [recorder.expectEnd(of: id)], timeout: 5)
        guard case .failed(id, let reason) = recorder.events.last else { return XCTFail("\(recorder.events)") }
        XCTAssertTrue(reason.contains("cannot write \(directory)"), reason)
    }

    func testFilesAppearOnlyWhenComplete() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try WavFileWriter(directory: directory.path, stem: "20250131-142502-317-00000001", sampleRate: 22050)
        let samples: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        try samples.withUnsafeBufferPointer { try writer.append($0) }
        let during = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(during, [".20250131-142502-317-00000001.wav.tmp"], "only a hidden temp file while writing")

        let path = try writer.commit(text: "Größe")
        XCTAssertEqual(path, directory.appendingPathComponent("20250131-142502-317-00000001.wav").path)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)),
                       ["20250131-142502-317-00000001.wav", "20250131-142502-317-00000001.txt"])
        let wav = try WavData(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(wav.samples, samples)
        XCTAssertEqual(wav.bytes.count, 44 + 12)
        XCTAssertEqual([wav.riffSizeField, wav.dataSizeField, wav.sampleRate, wav.byteRate], [48, 12, 22050, 44100])
        XCTAssertEqual(try String(contentsOfFile: directory.appendingPathComponent("20250131-142502-317-00000001.txt").path, encoding: .utf8), "Größe")

        // The same name again gets a suffix instead of overwriting.
        let second = try WavFileWriter(directory: directory.path, stem: "20250131-142502-317-00000001", sampleRate: 22050)
        XCTAssertEqual(try second.commit(text: "again"), directory.appendingPathComponent("20250131-142502-317-00000001-2.wav").path)
    }

    func testStartRemovesLeftoverTempFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in [".20250101-000000-000-00000001.wav.tmp", ".20250101-000000-000-00000001.txt.tmp",
                     ".20250101-000000-000-00000002.txt.9f3c2a71b0d4e865.tmp", "keep.wav", ".keep"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        let speaker = try Speaker(sink: .wav(directory: directory.path), voice: VoiceSettings(),
                                  options: SpeakerOptions(worker: TestWorker.command), onEvent: { _ in })
        defer { speaker.shutdown() }
        XCTAssertTrue(speaker.health.ok)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)), ["keep.wav", ".keep"])
    }
}

import TestSupport
import XCTest
@testable import IPC

/// A seeded random harness over the frame decoder and request parser: hostile bytes must give
/// frames or errors, never a crash or an unbounded buffer.
final class FuzzTests: XCTestCase {
    func testRandomAndMutatedInputNeverCrashesTheParser() {
        var rng = SplitMix64(seed: 20261129)
        let limits = FrameLimits(maxJSONBytes: 4096, maxAttachmentBytes: 4096)
        let seeds = [
            Wire.frame(Request(id: 1, .caption(CaptionRequest(photo: .bytes, name: "a.jpg"))), attachment: Data([1, 2, 3])),
            Wire.frame(Request(id: 2, .voice(VoiceChange(rate: 200, voice: "de")))),
            Wire.frame(Request(id: 3, .say(text: "hello"))),
            Wire.frame(Request(id: 4, .history(limit: 5))),
        ].map { $0.encoded() }
        var decoded = 0, refused = 0
        for _ in 0..<3000 {
            var bytes = [UInt8](seeds[Int.random(in: 0..<seeds.count, using: &rng)])
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            var decoder = FrameDecoder(limits: limits)
            decoder.append(Data(bytes))
            do {
                while let f = try decoder.next() {
                    switch Wire.decodeRequest(f) {
                    case .success: decoded += 1
                    case .failure(let e): XCTAssertFalse(e.error.message.isEmpty); refused += 1
                    }
                }
            } catch {
                refused += 1
            }
            XCTAssertLessThanOrEqual(decoder.bufferedBytes, bytes.count)
        }
        XCTAssertGreaterThan(refused, 0)
        XCTAssertGreaterThan(decoded, 0)
    }
}

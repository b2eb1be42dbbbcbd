import Foundation
import XCTest
import IPC

/// Caption overrides from a client beyond their limits (issue 11, finding 2) are refused with
/// `bad_request` naming the field and the limit, before anything is queued or allocated, and the
/// daemon keeps serving.
final class CaptionLimitTests: XCTestCase {
    func testOverridesBeyondTheLimitsAreBadRequestsNamingTheLimit() throws {
        guard DaemonHarness.fixtureModel != nil else { throw XCTSkip("fixture model tiny-st absent") }
        let h = try DaemonHarness()
        try h.start()
        let photo = try Data(contentsOf: DaemonHarness.fixtures.appendingPathComponent("images/exif-1.jpg"))
        let c = try FrameConnection(path: h.socket)
        // Int.max first: it used to trap the daemon in GenerationConfig at once.
        let hostile: [(CaptionRequest, String)] = [
            (CaptionRequest(photo: .bytes, name: "huge.jpg", speak: false, maxNewTokens: Int.max), "max_new_tokens \(Int.max) is outside the limit 1...512"),
            (CaptionRequest(photo: .bytes, name: "huge.jpg", speak: false, numBeams: 1 << 58), "num_beams \(1 << 58) is outside the limit 1...16"),
            (CaptionRequest(photo: .bytes, name: "huge.jpg", speak: false, numBeams: 200_000), "num_beams 200000 is outside the limit 1...16"),
            (CaptionRequest(photo: .bytes, name: "huge.jpg", speak: false, maxLength: 513), "max_length 513 is outside the limit 1...512"),
            (CaptionRequest(photo: .bytes, name: "huge.jpg", speak: false, numBeams: 0), "num_beams 0 is outside the limit 1...16"),
        ]
        for (request, message) in hostile {
            let r = try c.call(.caption(request), attachment: photo, timeout: 20)
            guard case .failure(let e) = r.body else { return XCTFail("\(request) was not refused: \(r.body); log:\n\(h.currentLog)") }
            XCTAssertEqual(e.code, .badRequest)
            XCTAssertEqual(e.message, message)
        }
        // Nothing was queued, and values at the limits still caption.
        let ok = try c.call(.caption(CaptionRequest(photo: .bytes, name: "edge.jpg", speak: false, numBeams: 16, maxNewTokens: 8)),
                            attachment: photo, timeout: 120)
        guard case .caption(let result) = ok.body else { return XCTFail("caption at the limits failed: \(ok.body); log:\n\(h.currentLog)") }
        XCTAssertFalse(result.tokens.isEmpty, "no caption tokens at num_beams 16")
        XCTAssertLessThanOrEqual(result.tokens.count, 9)
        XCTAssertTrue(h.process?.isRunning ?? false)
    }
}

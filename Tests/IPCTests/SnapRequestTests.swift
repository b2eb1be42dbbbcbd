import Foundation
import XCTest
@testable import IPC

/// The keys branch's `snap` request and `camera_failed` error on the wire.
final class SnapRequestTests: XCTestCase {
    func testSnapRoundTripsAndSpeaksByDefault() throws {
        for r in [Request(id: 11, .snap(SnapRequest(speak: false))), Request(id: 12, .snap(SnapRequest()))] {
            XCTAssertEqual(try Wire.decodeRequest(Wire.frame(r)).get(), r)
        }
        let json = try JSONSerialization.jsonObject(with: Wire.frame(Request(id: 11, .snap(SnapRequest(speak: false)))).json) as! [String: Any]
        XCTAssertEqual(json["type"] as? String, "snap")
        XCTAssertEqual(json["speak"] as? Bool, false)
        let bare = Frame(json: Data(#"{"v":2,"id":3,"type":"snap"}"#.utf8))
        XCTAssertEqual(try Wire.decodeRequest(bare).get().body, .snap(SnapRequest(speak: true)))
    }

    func testCameraFailedIsItsOwnCode() throws {
        let e = RemoteError(.cameraFailed, "The camera did not answer in time.")
        let frame = Wire.frame(Response(id: 5, .failure(e)))
        let json = try JSONSerialization.jsonObject(with: frame.json) as! [String: Any]
        XCTAssertEqual((json["error"] as? [String: Any])?["code"] as? String, "camera_failed")
        XCTAssertEqual(try JSONDecoder().decode(Response.self, from: frame.json).body, .failure(e))
    }
}

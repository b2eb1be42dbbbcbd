import Foundation
import XCTest
@testable import IPC

/// The `forget` request and its answer on the wire (docs/protocol.md).
final class ForgetMessageTests: XCTestCase {
    func testForgetRequestsAndAnswerRoundTrip() throws {
        for body in [RequestBody.forget(.all), .forget(.last(3))] {
            let r = Request(id: 9, body)
            XCTAssertEqual(try Wire.decodeRequest(Wire.frame(r)).get(), r)
        }
        let json = try JSONSerialization.jsonObject(with: Wire.frame(Request(id: 1, .forget(.last(2)))).json) as! [String: Any]
        XCTAssertEqual(json["type"] as? String, "forget")
        XCTAssertEqual(json["last"] as? Int, 2)
        let answer = Response(id: 9, .forgotten(ForgetResult(journal: 2, history: 1, photos: 0)))
        XCTAssertEqual(try Wire.decodeResponse(Wire.frame(answer)), answer)
    }

    func testForgetWithoutAScopeIsABadRequestNamingTheFields() {
        let frame = Frame(json: Data(#"{"v":2,"id":5,"type":"forget"}"#.utf8))
        guard case .failure(let f) = Wire.decodeRequest(frame) else { return XCTFail("a forget without scope was taken") }
        XCTAssertEqual(f.error.code, .badRequest)
        XCTAssertTrue(f.error.message.contains("all") && f.error.message.contains("last"), f.error.message)
    }
}

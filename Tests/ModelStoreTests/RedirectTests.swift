import Foundation
import XCTest
@testable import ModelStore

/// Issue 11: redirects from https to http were followed. `download` takes every redirect
/// through `HubClient.redirectTarget`; the loopback test hub speaks only http, so the https
/// cases are checked on that function directly.
final class RedirectTests: XCTestCase {
    let hub = URL(string: "https://huggingface.co/org/repo/resolve/main/model.safetensors")!

    func testHTTPSToHTTPIsRefusedNamingBothURLs() {
        for location in ["http://cdn.example/blob", "HTTP://cdn.example/blob", "ftp://cdn.example/blob"] {
            XCTAssertThrowsError(try HubClient.redirectTarget(location, from: hub, status: 302)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(hub.absoluteString), text)
                XCTAssertTrue(text.contains("refusing the redirect to \(location)"), text)
                XCTAssertTrue(text.contains("it leaves https"), text)
            }
        }
    }

    func testHTTPSToHTTPSAndRelativeRedirectsAreFollowed() throws {
        XCTAssertEqual(try HubClient.redirectTarget("https://cdn-lfs.example/x?sig=1", from: hub, status: 302).absoluteString,
                       "https://cdn-lfs.example/x?sig=1")
        XCTAssertEqual(try HubClient.redirectTarget("/api/blob/1", from: hub, status: 307).absoluteString,
                       "https://huggingface.co/api/blob/1")
        // A plain-http endpoint (the loopback test hub, a local mirror) may redirect within http.
        let local = URL(string: "http://127.0.0.1:8080/org/repo/resolve/main/x")!
        XCTAssertEqual(try HubClient.redirectTarget("http://127.0.0.1:8081/blob", from: local, status: 302).absoluteString,
                       "http://127.0.0.1:8081/blob")
    }

    func testRedirectWithoutLocationIsAnError() {
        XCTAssertThrowsError(try HubClient.redirectTarget(nil, from: hub, status: 301)) { error in
            XCTAssertTrue("\(error)".contains("redirect without Location"), "\(error)")
        }
    }
}

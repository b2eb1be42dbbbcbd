import XCTest
@testable import Speech

/// `speech = device:PCM` takes any ALSA PCM name, colons and commas included.
final class SpeechSinkSpecTests: XCTestCase {
    func testDevicePCMParsesAnyNameAndPrintsBack() {
        for name in ["plughw:CARD=Headphones,DEV=0", "bluealsa", "sysdefault:CARD=vc4hdmi0"] {
            let spec = SpeechSinkSpec("device:" + name)
            XCTAssertEqual(spec, .pcm(name))
            XCTAssertEqual(spec?.description, "device:" + name)
            XCTAssertEqual(spec?.playsOnDevice, true)
        }
        XCTAssertNil(SpeechSinkSpec("device:"), "an empty PCM name is not a sink")
        XCTAssertEqual(SpeechSinkSpec("device")?.playsOnDevice, true)
        XCTAssertEqual(SpeechSinkSpec("wav:/tmp/x")?.playsOnDevice, false)
        XCTAssertEqual(SpeechSinkSpec("none")?.playsOnDevice, false)
    }
}

import Foundation
import XCTest
@testable import Speech

/// Earcons through real libasound into ALSA's file plugin, and the output list.
final class AlsaOutputTests: XCTestCase {
    func testEarconsReachTheDefaultPCMByteForByte() throws {
        let alsa = try AlsaTestHome(self)
        let player = PCMPlayer(device: "default")
        var expected: [UInt8] = []
        for earcon in [Earcon.keyPress, .photoArrived, .working] {
            try player.play(earcon.samples())
            expected += earcon.bytes()
        }
        player.close()
        let played = alsa.contents(alsa.defaultFile)
        print("ALSA file plugin captured \(played.count) bytes for \(expected.count) generated")
        XCTAssertEqual(played.count, expected.count)
        XCTAssertTrue(played == expected, "the file plugin holds exactly the generated PCM")
        XCTAssertTrue(alsa.contents(alsa.namedFile).isEmpty, "nothing went to the other PCM")
    }

    func testANamedPCMIsItsOwnOutput() throws {
        let alsa = try AlsaTestHome(self)
        let tone = Earcon.tone(frequency: 1000, duration: 0.25)
        let player = PCMPlayer(device: AlsaTestHome.namedPCM)
        XCTAssertEqual(player.device, "assisttest")
        try player.play(tone.samples())
        player.close()
        XCTAssertTrue(alsa.contents(alsa.namedFile) == tone.bytes())
        XCTAssertTrue(alsa.contents(alsa.defaultFile).isEmpty)
    }

    func testAnUnknownPCMIsAnErrorNamingIt() throws {
        _ = try AlsaTestHome(self)
        XCTAssertThrowsError(try PCMPlayer(device: "nosuchpcm").play(Earcon.keyPress.samples())) { error in
            guard case .audioDevice(let device, let reason)? = error as? SpeechError else { return XCTFail("\(error)") }
            XCTAssertEqual(device, "nosuchpcm")
            XCTAssertTrue(reason.hasPrefix("cannot open"), reason)
        }
    }

    func testOutputsListTheConfiguredPCMs() throws {
        _ = try AlsaTestHome(self)
        let outputs = AudioOutputLister.list()
        print("outputs: \(outputs.map { "\($0.name) (\($0.description))" })")
        let test = try XCTUnwrap(outputs.first { $0.name == AlsaTestHome.namedPCM })
        XCTAssertEqual(test.description, "Assist test output")
        XCTAssertEqual(test.source, .configuration)
        XCTAssertEqual(Set(outputs.map(\.name)).count, outputs.count, "no output is listed twice")
        // This machine has no sound card: every entry comes from the configuration.
        XCTAssertEqual(AudioOutputLister.cards(), [])
    }
}

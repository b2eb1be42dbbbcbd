import Foundation
import XCTest
@testable import Speech

final class VoiceSettingsTests: XCTestCase {
    func testSetVoiceValidatesRangesAndVoices() throws {
        let speaker = try Speaker(sink: .none, voice: VoiceSettings(), onEvent: { _ in })
        defer { speaker.shutdown() }
        let cases: [(VoiceSettings, String)] = [
            (VoiceSettings(rate: 79), "rate 79 is out of range 80...450"),
            (VoiceSettings(rate: 451), "rate 451 is out of range 80...450"),
            (VoiceSettings(pitch: -1), "pitch -1 is out of range 0...100"),
            (VoiceSettings(pitch: 101), "pitch 101 is out of range 0...100"),
            (VoiceSettings(volume: -1), "volume -1 is out of range 0...200"),
            (VoiceSettings(volume: 201), "volume 201 is out of range 0...200"),
            (VoiceSettings(voice: "xx-nothing"), "unknown espeak-ng voice \"xx-nothing\""),
            (VoiceSettings(voice: ""), "unknown espeak-ng voice \"\""),
            (VoiceSettings(voice: "en+nosuchvariant"),
             "voice \"en+nosuchvariant\": unknown espeak-ng variant \"nosuchvariant\" (variants live in espeak-ng-data/voices/!v)"),
        ]
        try speaker.setVoice(VoiceSettings(rate: 200, pitch: 40, volume: 90, voice: "en-us"))
        for (settings, message) in cases {
            XCTAssertThrowsError(try speaker.setVoice(settings), "\(settings)") { error in
                XCTAssertEqual("\(error)", message)
            }
            XCTAssertEqual(speaker.voice, VoiceSettings(rate: 200, pitch: 40, volume: 90, voice: "en-us"), "unchanged after a refusal")
        }
        XCTAssertThrowsError(try speaker.setVoice(VoiceSettings(voice: "dee"))) { error in
            XCTAssertTrue("\(error)".contains("similar installed voices: de"), "\(error)")
        }
    }

    func testAcceptsTheNamesTheCLIAccepts() throws {
        let speaker = try Speaker(sink: .none, voice: VoiceSettings(voice: "de"), onEvent: { _ in })
        defer { speaker.shutdown() }
        for name in ["en", "EN-us", "en-US", "gmw/en-US", "English (America)", "de", "en+f3", "en+13",
                     "en-us+Alex", "en-gb"] {
            XCTAssertNoThrow(try speaker.setVoice(VoiceSettings(voice: name)), name)
            XCTAssertEqual(speaker.voice.voice, name)
        }
        for (rate, pitch, volume) in [(80, 0, 0), (450, 100, 200)] {
            XCTAssertNoThrow(try speaker.setVoice(VoiceSettings(rate: rate, pitch: pitch, volume: volume)))
        }
    }

    func testListsInstalledVoicesAndVariants() throws {
        let speaker = try Speaker(sink: .none, voice: VoiceSettings(), onEvent: { _ in })
        defer { speaker.shutdown() }
        let voices = speaker.availableVoices
        XCTAssertGreaterThan(voices.count, 50, "espeak-ng-data ships about a hundred voices")
        let english = try XCTUnwrap(voices.first { $0.identifier == "gmw/en-US" })
        XCTAssertEqual(english.name, "English (America)")
        XCTAssertEqual(english.shortName, "en-us")
        XCTAssertEqual(english.languages.first, "en-us")
        XCTAssertTrue(voices.contains { $0.shortName == "de" })
        XCTAssertFalse(voices.contains { $0.identifier.hasPrefix("mb/") || $0.languages.contains("variant") })
        XCTAssertTrue(speaker.availableVariants.contains("f3"))
        XCTAssertTrue(speaker.availableVariants.contains("Alex"))
    }

    func testInitRejectsBadVoice() {
        XCTAssertThrowsError(try Speaker(sink: .none, voice: VoiceSettings(voice: "xx-nothing"), onEvent: { _ in })) { error in
            XCTAssertEqual(error as? SpeechError, .unknownVoice("xx-nothing", suggestions: []))
        }
        XCTAssertThrowsError(try Speaker(sink: .none, voice: VoiceSettings(rate: 1000), onEvent: { _ in })) { error in
            XCTAssertEqual("\(error)", "rate 1000 is out of range 80...450")
        }
    }

    func testSinkSpecParsing() {
        XCTAssertEqual(SpeechSinkSpec("device"), .device)
        XCTAssertEqual(SpeechSinkSpec("none"), SpeechSinkSpec.none)
        XCTAssertEqual(SpeechSinkSpec("wav:/tmp/x"), .wav(directory: "/tmp/x"))
        XCTAssertNil(SpeechSinkSpec("wav:"))
        XCTAssertNil(SpeechSinkSpec("speaker"))
        XCTAssertEqual(SpeechSinkSpec("wav:/tmp/x")?.description, "wav:/tmp/x")
    }
}

import XCTest
import Messages
@testable import Devices

/// Key names, the key map's syntax and defaults, the stop-first rule and the spoken key help.
final class KeyMapTests: XCTestCase {
    func testKeyNames() {
        XCTAssertEqual(KeyCode(name: "KEY_ENTER"), KeyCode(28))
        XCTAssertEqual(KeyCode(name: "key_kp5"), KeyCode(76))
        XCTAssertEqual(KeyCode(name: "KEY_PLAYPAUSE"), KeyCode(164))
        XCTAssertEqual(KeyCode(name: "BTN_0"), KeyCode(0x100))
        XCTAssertEqual(KeyCode(name: "KEY_KP0"), KeyCode(82))
        XCTAssertEqual(KeyCode(name: "KEY_A"), KeyCode(30))
        XCTAssertEqual(KeyCode(name: "KEY_M"), KeyCode(50))
        XCTAssertEqual(KeyCode(name: "KEY_F12"), KeyCode(88))
        XCTAssertEqual(KeyCode(name: "256"), KeyCode(256))
        XCTAssertEqual(KeyCode(name: "0x160"), KeyCode.ok)
        XCTAssertNil(KeyCode(name: "KEY_NOPE"))
        XCTAssertNil(KeyCode(name: "768"))
        XCTAssertNil(KeyCode(name: "-1"))
        XCTAssertEqual(KeyCode(76).description, "KEY_KP5")
        XCTAssertEqual(KeyCode(700).description, "700")
    }

    func testDefaultsMakeOneButtonEnough() {
        let map = KeyMap.defaults
        for name in ["KEY_ENTER", "KEY_SPACE", "KEY_PLAYPAUSE", "KEY_CAMERA", "KEY_OK", "BTN_0", "KEY_KP5", "KEY_KPENTER"] {
            XCTAssertEqual(map[KeyCode(name: name)!], KeyBinding(short: .describe, double: .repeat, long: .status, veryLong: .help), name)
        }
    }

    func testNumpadDefaults() {
        let map = KeyMap.defaults
        let expected: [String: KeyAction] = ["KEY_KP0": .stop, "KEY_KPDOT": .repeat, "KEY_KP8": .volumeUp, "KEY_KP2": .volumeDown,
                                             "KEY_KPPLUS": .volumeUp, "KEY_KPMINUS": .volumeDown, "KEY_KP6": .rateUp,
                                             "KEY_KP4": .rateDown, "KEY_KPASTERISK": .status, "KEY_KPSLASH": .help]
        for (name, action) in expected {
            XCTAssertEqual(map[KeyCode(name: name)!], KeyBinding(short: action), name)
        }
        let numpadActions = Set(KeyMap.defaults.bindings.filter { $0.key.name?.hasPrefix("KEY_KP") == true }.values.compactMap(\.short))
        XCTAssertEqual(numpadActions, [.describe, .stop, .repeat, .volumeUp, .volumeDown, .rateUp, .rateDown, .status, .help])
    }

    func testParsingConfigText() throws {
        let map = try KeyMap.parse("""
            # a USB keypad and one GPIO button
            keys = none
            key.BTN_0 = describe, double: repeat, long: status, verylong: help
            key.KEY_KP8 = volume_up
            key.29 = stop          # by number
            key.KEY_KP4 = rate_down, long: none
            """)
        XCTAssertEqual(map.bindings.count, 4)
        XCTAssertEqual(map[.button0], .oneButton)
        XCTAssertEqual(map[.keypad8], KeyBinding(short: .volumeUp))
        XCTAssertEqual(map[KeyCode(29)], KeyBinding(short: .stop))
        XCTAssertEqual(map[.keypad4], KeyBinding(short: .rateDown))
        XCTAssertNil(map[.enter], "keys = none drops the defaults")
        XCTAssertEqual(try KeyMap.parse(map.configText), map, "configText reads back to the same map")

        var defaults = try KeyMap.parse("key.KEY_ENTER = none\nkey.KEY_KP0 = long: stop")
        XCTAssertNil(defaults[.enter])
        XCTAssertEqual(defaults[.keypad0], KeyBinding(long: .stop))
        XCTAssertEqual(defaults[.space], .oneButton, "other defaults stay")
        try defaults.set("KEY_SPACE", to: "very_long: help, press: status")
        XCTAssertEqual(defaults[.space], KeyBinding(short: .status, veryLong: .help))
    }

    func testBadEntriesNameTheProblem() {
        func error(_ text: String) -> KeyMapError? {
            do { _ = try KeyMap.parse(text); return nil } catch { return error }
        }
        XCTAssertEqual(error("key.KEY_NOPE = describe"), .unknownKey("KEY_NOPE"))
        XCTAssertEqual(error("key.KEY_ENTER = shout"), .unknownAction(key: "KEY_ENTER", word: "shout"))
        XCTAssertEqual(error("key.KEY_ENTER = triple: repeat"), .unknownPressKind(key: "KEY_ENTER", word: "triple"))
        XCTAssertEqual(error("key.KEY_ENTER = describe, short: stop"), .repeatedPressKind(key: "KEY_ENTER", kind: "short"))
        XCTAssertEqual(error("key.KEY_ENTER ="), .empty(key: "KEY_ENTER"))
        XCTAssertEqual(error("keys = some"), .badLine("keys = some"))
        XCTAssertEqual(error("volume = 3"), .badLine("volume = 3"))
        XCTAssertEqual(KeyMapError.unknownAction(key: "KEY_ENTER", word: "shout").description,
                       "key map: key.KEY_ENTER: unknown action 'shout'; expected one of describe, stop, repeat, status, help, volume_up, volume_down, rate_up, rate_down, pause, next_sentence, previous_sentence, next_paragraph, previous_paragraph, spell, mode or none")
    }

    func testAnyPressWhileSpeakingStopsFirst() {
        var r = KeyActionResolver(map: .defaults)
        let t = 0.0
        func press(_ code: KeyCode, _ kind: PressKind) -> KeyPress { KeyPress(code: code, kind: kind, pressedAt: t, releasedAt: t + 0.1) }

        // Not speaking: the press does its action.
        XCTAssertNil(r.keyDown(.enter, speaking: false))
        XCTAssertEqual(r.press(press(.enter, .short)), .describe)
        // Speaking: the key-down stops at once, and that short press does nothing more.
        XCTAssertEqual(r.keyDown(.enter, speaking: true), .stop)
        XCTAssertNil(r.press(press(.enter, .short)), "silencing must not take a photo")
        // The next press is a normal press again.
        XCTAssertNil(r.keyDown(.enter, speaking: false))
        XCTAssertEqual(r.press(press(.enter, .short)), .describe)
        // A double press while speaking: stop, then repeat.
        XCTAssertEqual(r.keyDown(.enter, speaking: true), .stop)
        XCTAssertNil(r.keyDown(.enter, speaking: false))
        XCTAssertEqual(r.press(press(.enter, .double)), .repeat)
        // A long press while speaking: stop, then the status.
        XCTAssertEqual(r.keyDown(.enter, speaking: true), .stop)
        XCTAssertEqual(r.press(press(.enter, .long)), .status)
        // Volume keys adjust without interrupting.
        XCTAssertNil(r.keyDown(.keypad8, speaking: true))
        XCTAssertEqual(r.press(press(.keypad8, .short)), .volumeUp)
        // A key without a binding does nothing, speaking or not.
        XCTAssertNil(r.keyDown(KeyCode(name: "KEY_Q")!, speaking: true))
        XCTAssertNil(r.press(press(KeyCode(name: "KEY_Q")!, .short)))
        // A key with only a long action stops speech on its key-down too.
        var longOnly = KeyActionResolver(map: KeyMap(bindings: [.space: KeyBinding(long: .status)]))
        XCTAssertEqual(longOnly.keyDown(.space, speaking: true), .stop)
    }

    func testSpokenHelpForOneButton() {
        let map = KeyMap(bindings: [.button0: .oneButton])
        let en = MessageCatalogue(language: .english), de = MessageCatalogue(language: .german)
        let help = KeyHelp.messages(for: map)
        XCTAssertEqual(en.utterance(help),
                       "What each key does. button 0: press to describe a photo; press twice to hear the last description again; "
                       + "hold to hear the status; hold longer, about 5 seconds, to hear this help. While I speak, any key stops me first.")
        XCTAssertEqual(de.utterance(help),
                       "Was jede Taste tut. Knopf 0: drücken, um ein Foto zu beschreiben; zweimal drücken, um die letzte Beschreibung "
                       + "noch einmal zu hören; halten, um den Status zu hören; länger halten, etwa 5 Sekunden, um diese Hilfe zu hören. "
                       + "Während ich spreche, hält mich jede Taste zuerst an.")
    }

    func testSpokenHelpGroupsKeysAndCoversOnlyTheConnectedOnes() {
        let en = MessageCatalogue(language: .english)
        let keypad: Set<KeyCode> = [.keypad5, .keypad8, .keypadPlus, .keypad0]
        let text = en.utterance(KeyHelp.messages(for: .defaults, available: keypad))
        XCTAssertEqual(text, "What each key does. keypad 8 and keypad plus: press to speak louder. "
                       + "keypad 5: press to describe a photo; press twice to hear the last description again; hold to hear the status; "
                       + "hold longer, about 5 seconds, to hear this help. keypad 0: press to stop speaking. While I speak, any key stops me first.")
        XCTAssertEqual(KeyHelp.messages(for: .defaults, available: [KeyCode(name: "KEY_Q")!]), [.keysNotFound])
        // Every default key has a spoken name of its own, not a bare number.
        for code in KeyMap.defaults.codes {
            if case .keyCode = code.spoken { XCTFail("\(code) is said as a number") }
        }
    }
}

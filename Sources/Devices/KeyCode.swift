import Messages

/// A Linux key code (linux/input-event-codes.h) and the names a key map may use for it.
public struct KeyCode: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(_ rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// `KEY_ENTER`, `BTN_0` (any case), or a number: decimal (`28`) or hex (`0x100`).
    public init?(name: String) {
        let upper = name.uppercased()
        if let code = KeyCode.codesByName[upper] {
            self.init(code)
        } else if upper.hasPrefix("0X"), let n = UInt16(upper.dropFirst(2), radix: 16), n <= KeyCode.maxCode {
            self.init(n)
        } else if let n = UInt16(upper), n <= KeyCode.maxCode {
            self.init(n)
        } else {
            return nil
        }
    }

    /// KEY_MAX.
    public static let maxCode: UInt16 = 0x2ff

    /// The kernel name when this table knows it (`KEY_KP5`), else the number.
    public var description: String { KeyCode.namesByCode[rawValue] ?? String(rawValue) }

    /// The kernel name, if this table knows it.
    public var name: String? { KeyCode.namesByCode[rawValue] }

    public static func < (a: KeyCode, b: KeyCode) -> Bool { a.rawValue < b.rawValue }

    /// How the key is called when assist says what each key does.
    public var spoken: Message {
        let n = Int(rawValue)
        switch rawValue {
        case 28: return .keyEnter
        case 57: return .keySpace
        case 71...73: return .keyKeypadDigit(n - 64)
        case 75...77: return .keyKeypadDigit(n - 71)
        case 79...81: return .keyKeypadDigit(n - 78)
        case 82: return .keyKeypadDigit(0)
        case 96: return .keyKeypadEnter
        case 78: return .keyKeypadPlus
        case 74: return .keyKeypadMinus
        case 55: return .keyKeypadAsterisk
        case 98: return .keyKeypadSlash
        case 83: return .keyKeypadDot
        case 164: return .keyPlayPause
        case 115: return .keyVolumeUp
        case 114: return .keyVolumeDown
        case 0x100...0x109: return .keyButton(n - 0x100)
        default:
            guard let name else { return .keyCode(n) }
            let bare = name.hasPrefix("KEY_") ? name.dropFirst(4) : name.hasPrefix("BTN_") ? name.dropFirst(4) : Substring(name)
            return .keyNamed(String(bare))
        }
    }

    // Well-known codes; others are given by number.
    public static let enter = KeyCode(28), space = KeyCode(57), playPause = KeyCode(164)
    public static let camera = KeyCode(212), ok = KeyCode(0x160), button0 = KeyCode(0x100)
    public static let stopCD = KeyCode(166), volumeUp = KeyCode(115), volumeDown = KeyCode(114)
    public static let keypad0 = KeyCode(82), keypad2 = KeyCode(80), keypad4 = KeyCode(75), keypad5 = KeyCode(76)
    public static let keypad6 = KeyCode(77), keypad8 = KeyCode(72), keypadEnter = KeyCode(96)
    public static let keypadPlus = KeyCode(78), keypadMinus = KeyCode(74), keypadDot = KeyCode(83)
    public static let keypadAsterisk = KeyCode(55), keypadSlash = KeyCode(98)

    static let namesByCode: [UInt16: String] = {
        var names: [UInt16: String] = [
            1: "KEY_ESC", 14: "KEY_BACKSPACE", 15: "KEY_TAB", 28: "KEY_ENTER", 57: "KEY_SPACE",
            69: "KEY_NUMLOCK", 55: "KEY_KPASTERISK", 74: "KEY_KPMINUS", 78: "KEY_KPPLUS", 83: "KEY_KPDOT",
            96: "KEY_KPENTER", 98: "KEY_KPSLASH", 117: "KEY_KPEQUAL", 121: "KEY_KPCOMMA",
            102: "KEY_HOME", 103: "KEY_UP", 105: "KEY_LEFT", 106: "KEY_RIGHT", 108: "KEY_DOWN",
            113: "KEY_MUTE", 114: "KEY_VOLUMEDOWN", 115: "KEY_VOLUMEUP", 116: "KEY_POWER", 119: "KEY_PAUSE",
            128: "KEY_STOP", 129: "KEY_AGAIN", 138: "KEY_HELP", 139: "KEY_MENU",
            163: "KEY_NEXTSONG", 164: "KEY_PLAYPAUSE", 165: "KEY_PREVIOUSSONG", 166: "KEY_STOPCD",
            167: "KEY_RECORD", 168: "KEY_REWIND", 169: "KEY_PHONE", 200: "KEY_PLAYCD", 201: "KEY_PAUSECD",
            207: "KEY_PLAY", 208: "KEY_FASTFORWARD", 212: "KEY_CAMERA", 226: "KEY_MEDIA", 232: "KEY_REPLY",
            0x110: "BTN_LEFT", 0x111: "BTN_RIGHT", 0x112: "BTN_MIDDLE", 0x120: "BTN_TRIGGER",
            0x130: "BTN_SOUTH", 0x131: "BTN_EAST", 0x13a: "BTN_SELECT", 0x13b: "BTN_START",
            0x160: "KEY_OK", 0x161: "KEY_SELECT", 0x166: "KEY_INFO",
        ]
        // KEY_1 ... KEY_9 are 2 ... 10, KEY_0 is 11.
        for d in 1...9 { names[UInt16(d + 1)] = "KEY_\(d)" }
        names[11] = "KEY_0"
        // The keypad digits in the order the keypad's rows put them.
        let keypad: [(UInt16, Int)] = [(71, 7), (72, 8), (73, 9), (75, 4), (76, 5), (77, 6), (79, 1), (80, 2), (81, 3), (82, 0)]
        for (code, digit) in keypad { names[code] = "KEY_KP\(digit)" }
        for f in 1...10 { names[UInt16(58 + f)] = "KEY_F\(f)" }
        names[87] = "KEY_F11"
        names[88] = "KEY_F12"
        for b in 0...9 { names[UInt16(0x100 + b)] = "BTN_\(b)" }
        // Letters: the first keyboard row starts at KEY_Q (16), the second at KEY_A (30), the
        // third at KEY_Z (44).
        for (row, start) in [("QWERTYUIOP", 16), ("ASDFGHJKL", 30), ("ZXCVBNM", 44)] {
            for (i, letter) in row.enumerated() { names[UInt16(start + i)] = "KEY_\(letter)" }
        }
        return names
    }()

    static let codesByName: [String: UInt16] = {
        var codes: [String: UInt16] = [:]
        for (code, name) in namesByCode { codes[name] = code }
        // Aliases the kernel header defines.
        codes["BTN_A"] = 0x130
        codes["BTN_B"] = 0x131
        codes["BTN_MISC"] = 0x100
        return codes
    }()
}

/// Which action each key's presses trigger.
///
/// Config syntax, one entry per key (docs/devices.md):
///
///     keys = defaults                  # or none: start from an empty map
///     key.KEY_ENTER = describe, double: repeat, long: status, verylong: help
///     key.KEY_KP8 = volume_up
///     key.256 = describe               # by number (BTN_0)
///     key.KEY_SPACE = none             # the key does nothing
///
/// An action without a kind is the short press. The defaults make one button enough (press:
/// describe; double press: repeat; long press: status; very long press: this help) on the keys a
/// GPIO button, a headset or a remote sends, and give a numeric keypad describe, stop, repeat,
/// volume, rate and status keys.
public struct KeyMap: Sendable, Equatable {
    public private(set) var bindings: [KeyCode: KeyBinding]

    public init(bindings: [KeyCode: KeyBinding] = [:]) {
        self.bindings = bindings.filter { !$0.value.isEmpty }
    }

    public static let defaults: KeyMap = {
        var b: [KeyCode: KeyBinding] = [:]
        for code in [KeyCode.enter, .space, .playPause, .camera, .ok, .button0, .keypad5, .keypadEnter] {
            b[code] = .oneButton
        }
        b[.keypad0] = KeyBinding(short: .stop)
        b[.stopCD] = KeyBinding(short: .stop)
        b[.keypadDot] = KeyBinding(short: .repeat)
        for code in [KeyCode.keypad8, .keypadPlus, .volumeUp] { b[code] = KeyBinding(short: .volumeUp) }
        for code in [KeyCode.keypad2, .keypadMinus, .volumeDown] { b[code] = KeyBinding(short: .volumeDown) }
        b[.keypad6] = KeyBinding(short: .rateUp)
        b[.keypad4] = KeyBinding(short: .rateDown)
        b[.keypadAsterisk] = KeyBinding(short: .status)
        b[.keypadSlash] = KeyBinding(short: .help)
        return KeyMap(bindings: b)
    }()

    public subscript(code: KeyCode) -> KeyBinding? { bindings[code] }

    /// The action of `press`, if its key has one for that kind of press.
    public func action(for press: KeyPress) -> KeyAction? { bindings[press.code]?[press.kind] }

    /// Whether a short press of `code` may be the first of a double press.
    public func hasDoubleAction(_ code: KeyCode) -> Bool { bindings[code]?.double != nil }

    /// The keys that do something.
    public var codes: Set<KeyCode> { Set(bindings.keys) }

    /// Applies one config entry: `key.NAME = ACTIONS` (pass `name` without the `key.` prefix)
    /// replaces that key's binding; `none` removes it.
    public mutating func set(_ name: String, to value: String) throws(KeyMapError) {
        guard let code = KeyCode(name: name) else { throw .unknownKey(name) }
        let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw .empty(key: name) }
        if items == ["none"] {
            bindings[code] = nil
            return
        }
        var binding = KeyBinding()
        var seen: Set<PressKind> = []
        for item in items {
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let kind: PressKind
            let word: String
            if parts.count == 2 {
                guard let k = KeyMap.pressKind(parts[0]) else { throw .unknownPressKind(key: name, word: parts[0]) }
                kind = k
                word = parts[1]
            } else {
                kind = .short
                word = parts[0]
            }
            guard seen.insert(kind).inserted else { throw .repeatedPressKind(key: name, kind: kind.rawValue) }
            if word == "none" { continue }
            guard let action = KeyAction(rawValue: word.lowercased()) else { throw .unknownAction(key: name, word: word) }
            binding[kind] = action
        }
        bindings[code] = binding.isEmpty ? nil : binding
    }

    /// A map from key map text: `keys = defaults|none` (default: defaults) and `key.NAME = ...`
    /// lines, later lines winning; blank lines and `#` comments are skipped.
    public static func parse(_ text: String) throws(KeyMapError) -> KeyMap {
        var map = KeyMap.defaults
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard let eq = line.firstIndex(of: "=") else { throw .badLine(line) }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if key == "keys" {
                switch value {
                case "defaults": map = .defaults
                case "none": map = KeyMap()
                default: throw .badLine(line)
                }
            } else if key.hasPrefix("key.") {
                try map.set(String(key.dropFirst(4)), to: value)
            } else {
                throw .badLine(line)
            }
        }
        return map
    }

    /// The map as config text that `parse` reads back to the same map.
    public var configText: String {
        var lines = ["keys = none"]
        for code in bindings.keys.sorted() {
            let b = bindings[code]!
            var items: [String] = []
            for kind in PressKind.allCases {
                guard let action = b[kind] else { continue }
                items.append(kind == .short ? action.rawValue : "\(kind == .veryLong ? "verylong" : kind.rawValue): \(action.rawValue)")
            }
            lines.append("key.\(code) = \(items.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pressKind(_ word: String) -> PressKind? {
        switch word.lowercased() {
        case "press", "short": return .short
        case "double": return .double
        case "long": return .long
        case "verylong", "very_long": return .veryLong
        default: return nil
        }
    }
}

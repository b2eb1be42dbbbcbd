import Foundation

/// What `KeySource` reads and how it judges presses.
public struct KeySourceConfiguration: Sendable {
    /// `input_devices`: `auto`, or a list of paths.
    public enum Devices: Sendable, Equatable {
        /// Every `directory/namePrefix*` entry that can send a key the map uses.
        case auto
        case paths([String])

        /// Parses the config value: `auto`, or paths separated by commas or spaces.
        public init?(configValue: String) {
            let words = configValue.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            if words == ["auto"] { self = .auto; return }
            guard !words.isEmpty, words.allSatisfy({ $0.hasPrefix("/") }) else { return nil }
            self = .paths(words)
        }
    }

    public var devices: Devices
    /// Where `auto` looks and hot-plugged devices appear (`/dev/input`; a temp dir in tests).
    public var directory: String
    /// The entries of `directory` that `auto` opens (`event0`, `event1`, ...).
    public var namePrefix: String
    /// EVIOCGRAB: keys of a grabbed device reach nothing else (not the console, not a desktop).
    public var grab: Bool
    public var timing: PressTiming
    public var keyMap: KeyMap
    /// How often missing devices are looked for without an inotify event (a node whose
    /// permissions udev sets after creating it, a directory that did not exist).
    public var rescanInterval: TimeInterval

    public init(devices: Devices = .auto, directory: String = "/dev/input", namePrefix: String = "event",
                grab: Bool = false, timing: PressTiming = PressTiming(), keyMap: KeyMap = .defaults,
                rescanInterval: TimeInterval = 5) {
        self.devices = devices
        self.directory = directory
        self.namePrefix = namePrefix
        self.grab = grab
        self.timing = timing
        self.keyMap = keyMap
        self.rescanInterval = rescanInterval
    }
}

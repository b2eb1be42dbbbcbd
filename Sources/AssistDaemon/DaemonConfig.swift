import Devices
import Foundation
import Messages
import ModelStore
import PhotoAnalysis
import Speech
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// A config file or flag that cannot be used; names the file, line and key.
enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unknownKey(source: String, key: String)
    case badValue(source: String, key: String, value: String, expected: String)
    case badLine(source: String, line: String)
    case unreadable(path: String, reason: String)

    var description: String {
        switch self {
        case .unknownKey(let s, let k): return "\(s): unknown key '\(k)' (see docs/daemon.md for the keys)"
        case .badValue(let s, let k, let v, let e): return "\(s): \(k) = '\(v)' is not valid; expected \(e)"
        case .badLine(let s, let l): return "\(s): cannot read '\(l)'; expected 'key = value'"
        case .unreadable(let p, let r): return "cannot read config file \(p): \(r)"
        }
    }
}

/// Every setting of `assistd run`. Sources, later winning: built-in defaults,
/// `/etc/assist/assistd.conf`, `$XDG_CONFIG_HOME/assist/assistd.conf` (or the one `--config`
/// file), then command-line flags. Keys are documented in docs/daemon.md.
struct DaemonConfig: Equatable {
    var watch: [String] = []
    var socket: String
    var socketGroup: String?
    /// `model = DIR`: always this checkpoint directory. nil (the default): the models directory's
    /// selection, followed live (see ModelLoader).
    var model: String?
    /// Where `assist model install` puts models and `assist model use` selects one.
    var modelsDir: String
    var speech: SpeechSinkSpec = .device
    var stateDir: String
    var rescanInterval: Double = 60
    var altText = false
    var maxQueue = 32
    var maxConnections = 8
    var maxRequestBytes = 64 * 1024
    var maxPhotoBytes = 20 * 1024 * 1024
    var clientTimeout: Double = 10
    var idleTimeout: Double = 60
    var maxAttempts = 3
    var historySize = 50
    var logLevel = Log.Level.info
    var voice = VoiceSettings()
    /// How much is said about each photo (docs/daemon.md, "Describing photos").
    var verbosity = Verbosity.everything
    /// Tesseract language(s) for reading text, e.g. `eng` or `eng+deu`; nil turns reading off.
    var ocrLanguage: String? = "eng"
    /// `language`: the message catalogue for every fixed sentence, and the default espeak-ng voice
    /// (`voice_name`) and Tesseract language (`ocr_language`) unless those keys are set.
    var language = Language.english
    /// `announce`: which of the daemon's own sentences are spoken (descriptions always are).
    var announce = AnnounceLevel.all
    // MARK: - reading
    /// `wav_real_time`: the wav sink takes as long as playing would, so that pausing and moving
    /// while reading behave as on a device (tests, demonstrations). Needs a restart.
    var wavRealTime = false
    // MARK: - keys
    /// `input_devices`: the key devices to read (`auto` or paths); nil (`none`, the default): no keys.
    var inputDevices: KeySourceConfiguration.Devices?
    /// `input_grab`: EVIOCGRAB each key device, so its keys do not also reach the console.
    var inputGrab = true
    /// `keys` and `key.NAME`: what each press does.
    var keyMap = KeyMap.defaults
    /// `double_press_window`, `long_press`, `very_long_press`.
    var pressTiming = PressTiming()
    /// `capture_command`; nil: the first known camera program on PATH.
    var captureCommand: CaptureCommand?
    var captureFrames = 3
    var captureTimeout: Double = 10
    /// `keep_captures`: keep a captured photo after its description is recorded.
    var keepCaptures = false
    /// `capture_dir`: where captured photos wait until they are described; nil: STATE_DIR/captures.
    var captureDir: String?

    /// Where captured photos go.
    var capturesDirectory: String { captureDir ?? stateDir + "/captures" }

    // MARK: - bounds
    /// Resource bounds and retention (issue 11).
    var bounds = BoundsConfig()
    /// Keys set by a file or flag, so that `language` changes only the defaults it stands for.
    private var explicitKeys: Set<String> = []

    /// Defaults that depend on the environment. With `XDG_RUNTIME_DIR` (a user session or user
    /// service) paths follow the XDG base directories; without it (a system service) they are
    /// /run/assist and /var/lib/assist. systemd's `RUNTIME_DIRECTORY` and `STATE_DIRECTORY`
    /// (from `RuntimeDirectory=`/`StateDirectory=`) win over both.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            socket = "\(runtime)/assist/assist.sock"
            stateDir = "\(environment["XDG_STATE_HOME"] ?? "\(home)/.local/state")/assist"
            modelsDir = ModelStore.defaultRoot(environment: environment).path
        } else {
            socket = "/run/assist/assist.sock"
            stateDir = "/var/lib/assist"
            modelsDir = "/var/lib/assist/models"
        }
        if let r = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first { socket = "\(r)/assist.sock" }
        if let s = environment["STATE_DIRECTORY"]?.split(separator: ":").first { stateDir = String(s) }
    }

    /// The config files read when `--config` is not given, in order.
    static func defaultFiles(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let xdg = environment["XDG_CONFIG_HOME"] ?? "\(home)/.config"
        return ["/etc/assist/assistd.conf", "\(xdg)/assist/assistd.conf"]
    }

    /// Flags of `assistd run`: one per path-valued key, plus `--set KEY=VALUE` for any key.
    struct Flags: Equatable {
        var configFile: String?
        var settings: [(key: String, value: String)] = []

        static func == (a: Flags, b: Flags) -> Bool {
            a.configFile == b.configFile && a.settings.map { "\($0.key)=\($0.value)" } == b.settings.map { "\($0.key)=\($0.value)" }
        }

        init(_ args: [String]) throws {
            let keyed = ["--watch": "watch", "--socket": "socket", "--model": "model", "--models": "models_dir", "--speech": "speech",
                         "--state-dir": "state_dir", "--socket-group": "socket_group",
                         "--verbosity": "verbosity", "--ocr-language": "ocr_language"]
            var arguments = ArgumentCursor(args)
            while let argument = try arguments.next() {
                switch argument {
                case .option("--config"):
                    configFile = try arguments.value()
                case .option("--set"):
                    let kv = try arguments.value()
                    guard let eq = kv.firstIndex(of: "=") else { throw ConfigError.badLine(source: "--set", line: kv) }
                    settings.append((String(kv[..<eq]).trimmingCharacters(in: .whitespaces),
                                     String(kv[kv.index(after: eq)...]).trimmingCharacters(in: .whitespaces)))
                case .option(let flag):
                    guard let key = keyed[flag] else { throw ArgumentError.unknownOption(flag) }
                    settings.append((key, try arguments.value()))
                case .positional(let other):
                    throw ArgumentError.invalid("unexpected argument '\(other)'")
                }
            }
        }
    }

    /// Reads the config files and applies the flags on top. `watch` from flags replaces the files'.
    static func load(flags: Flags, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DaemonConfig {
        var config = DaemonConfig(environment: environment)
        let files = flags.configFile.map { [$0] } ?? defaultFiles(environment: environment)
        for path in files {
            guard FileManager.default.fileExists(atPath: path) else {
                if flags.configFile != nil { throw ConfigError.unreadable(path: path, reason: "no such file") }
                continue
            }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ConfigError.unreadable(path: path, reason: "\(error.localizedDescription)")
            }
            var fileWatch: [String] = []
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                let source = "\(path):\(n + 1)"
                guard let eq = line.firstIndex(of: "=") else { throw ConfigError.badLine(source: source, line: line) }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if key == "watch" { fileWatch.append(try watchEntry(value, source: source)) } else {
                    try config.set(key, value, source: source)
                }
            }
            if !fileWatch.isEmpty { config.watch = fileWatch }
        }
        var flagWatch: [String] = []
        for (key, value) in flags.settings {
            if key == "watch" { flagWatch.append(try watchEntry(value, source: "command line")) } else {
                try config.set(key, value, source: "command line")
            }
        }
        if !flagWatch.isEmpty { config.watch = flagWatch }
        if !config.explicitKeys.contains("voice_name") { config.voice.voice = config.language.espeakVoice }
        if !config.explicitKeys.contains("ocr_language") { config.ocrLanguage = config.language.tesseractLanguage }
        config.watch = config.watch.map { absolute($0) }
        config.stateDir = absolute(config.stateDir)
        config.socket = absolute(config.socket)
        config.model = config.model.map { absolute($0) }
        config.modelsDir = absolute(config.modelsDir)
        if case .wav(let d) = config.speech { config.speech = .wav(directory: absolute(d)) }
        config.captureDir = config.captureDir.map { absolute($0) }
        if let problem = config.pressTiming.problem {
            let t = config.pressTiming
            throw ConfigError.badValue(source: "config", key: "double_press_window, long_press, very_long_press",
                                       value: "\(t.doubleWindow), \(t.long), \(t.veryLong)", expected: "times where \(problem)")
        }
        return config
    }

    /// One `watch` value. Empty is an error, not the current directory: under systemd that is
    /// `/`, and the daemon would describe whatever appears there.
    static func watchEntry(_ value: String, source: String) throws -> String {
        guard !value.isEmpty else { throw ConfigError.badValue(source: source, key: "watch", value: value, expected: "a directory") }
        return value
    }

    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return FileManager.default.currentDirectoryPath + "/" + expanded
    }

    /// Sets one key from text, checking its type and range.
    mutating func set(_ key: String, _ value: String, source: String) throws {
        func bad(_ expected: String) -> ConfigError { .badValue(source: source, key: key, value: value, expected: expected) }
        func int(_ range: ClosedRange<Int>) throws -> Int {
            guard let v = Int(value), range.contains(v) else { throw bad("a whole number in \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        func seconds(_ range: ClosedRange<Double>) throws -> Double {
            guard let v = Double(value), range.contains(v) else { throw bad("seconds in \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        func bool() throws -> Bool {
            switch value.lowercased() {
            case "true", "yes", "on", "1": return true
            case "false", "no", "off", "0": return false
            default: throw bad("true or false")
            }
        }
        explicitKeys.insert(key)
        // MARK: - bounds
        if try bounds.set(key, int: int) { return }
        switch key {
        case "watch": watch.append(try DaemonConfig.watchEntry(value, source: source))
        case "socket":
            guard !value.isEmpty else { throw bad("a socket path") }
            socket = value
        case "socket_group": socketGroup = value.isEmpty ? nil : value
        case "model": model = value.isEmpty ? nil : value
        case "models_dir":
            guard !value.isEmpty else { throw bad("a directory") }
            modelsDir = value
        case "speech":
            guard let s = SpeechSinkSpec(value) else { throw bad("device, device:PCM, wav:DIR or none") }
            speech = s
        case "state_dir":
            guard !value.isEmpty else { throw bad("a directory") }
            stateDir = value
        case "rescan_interval": rescanInterval = try seconds(0...86400)
        case "alt_text": altText = try bool()
        case "max_queue": maxQueue = try int(1...10000)
        case "max_connections": maxConnections = try int(1...1000)
        case "max_request_bytes": maxRequestBytes = try int(1024...16 * 1024 * 1024)
        case "max_photo_bytes": maxPhotoBytes = try int(1024...1024 * 1024 * 1024)
        case "client_timeout": clientTimeout = try seconds(0.1...3600)
        case "idle_timeout": idleTimeout = try seconds(0.1...86400)
        case "max_attempts": maxAttempts = try int(1...100)
        case "history_size": historySize = try int(1...10000)
        case "log_level":
            guard let l = Log.Level(name: value) else { throw bad("debug, info, warning or error") }
            logLevel = l
        case "voice_rate": voice.rate = try int(VoiceLimits.rate)
        case "voice_pitch": voice.pitch = try int(VoiceLimits.pitch)
        case "voice_volume": voice.volume = try int(VoiceLimits.volume)
        case "voice_name":
            guard !value.isEmpty else { throw bad("an espeak-ng voice name such as en or de") }
            voice.voice = value
        case "verbosity":
            guard let v = Verbosity(configName: value) else { throw bad("caption, caption-and-text or everything") }
            verbosity = v
        case "ocr_language":
            let off = ["none", "off", ""].contains(value.lowercased())
            guard off || value.allSatisfy({ $0.isLetter || $0.isNumber || "_-+".contains($0) }) else {
                throw bad("a Tesseract language such as eng or eng+deu, or none")
            }
            ocrLanguage = off ? nil : value
        case "language":
            guard let l = Language(code: value) else { throw bad("one of \(Language.supportedCodes.joined(separator: ", "))") }
            language = l
        case "announce":
            guard let a = AnnounceLevel(rawValue: value.lowercased()) else { throw bad("all, errors or none") }
            announce = a
        // MARK: - reading
        case "wav_real_time": wavRealTime = try bool()
        // MARK: - keys
        case "input_devices":
            if ["", "none", "off"].contains(value.lowercased()) { inputDevices = nil; break }
            guard let d = KeySourceConfiguration.Devices(configValue: value) else {
                throw bad("auto, none, or absolute device paths separated by commas")
            }
            inputDevices = d
        case "input_grab": inputGrab = try bool()
        case "keys":
            switch value.lowercased() {
            case "defaults": keyMap = .defaults
            case "none": keyMap = KeyMap()
            default: throw bad("defaults or none")
            }
        case _ where key.hasPrefix("key."):
            do { try keyMap.set(String(key.dropFirst(4)), to: value) } catch {
                throw bad("a key binding such as 'describe, double: repeat, long: status' (\(error))")
            }
        case "double_press_window": pressTiming.doubleWindow = try seconds(0.05...2)
        case "long_press": pressTiming.long = try seconds(0.1...60)
        case "very_long_press": pressTiming.veryLong = try seconds(0.2...120)
        case "capture_command":
            if ["", "none"].contains(value.lowercased()) { captureCommand = nil; break }
            do { captureCommand = try CaptureCommand(parsing: value) } catch {
                throw bad("a camera program and its arguments with {out}, e.g. rpicam-still -n -t 1 -o {out} (\(error))")
            }
        case "capture_frames": captureFrames = try int(1...10)
        case "capture_timeout": captureTimeout = try seconds(0.1...600)
        case "keep_captures": keepCaptures = try bool()
        case "capture_dir":
            guard !value.isEmpty else { throw bad("a directory") }
            captureDir = value
        default: throw ConfigError.unknownKey(source: source, key: key)
        }
    }
}

extension Verbosity {
    /// The names used by the `verbosity` key and in JSON: `caption`, `caption-and-text`, `everything`.
    var configName: String {
        switch self {
        case .captionOnly: return "caption"
        case .captionAndText: return "caption-and-text"
        case .everything: return "everything"
        }
    }

    init?(configName: String) {
        guard let v = Verbosity.allCases.first(where: { $0.configName == configName.lowercased() }) else { return nil }
        self = v
    }
}

/// The ranges espeak-ng accepts (see Speech.VoiceSettings).
enum VoiceLimits {
    static let rate = 80...450
    static let pitch = 0...100
    static let volume = 0...200
}

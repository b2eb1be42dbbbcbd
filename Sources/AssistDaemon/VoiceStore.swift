import Foundation
import IPC
import Speech
import SystemSupport

/// Why a voice change was refused.
struct VoiceError: Error, CustomStringConvertible {
    var description: String
}

/// The voice settings that survive a restart: `voice.json` in the state directory, written durably.
/// The persisted file wins over the config file's `voice_*` keys, because it holds what the person
/// chose last.
struct VoiceStore {
    static let fileName = "voice.json"
    let path: String
    /// Where voice changes are applied and saved: `save` fsyncs, which must not stall the
    /// socket's poll thread (a slow SD card); one at a time, so saves land in order.
    let queue = DispatchQueue(label: "assistd.voice")

    init(stateDirectory: String) {
        path = stateDirectory + "/" + VoiceStore.fileName
    }

    func load(default fallback: VoiceSettings) -> VoiceSettings {
        guard let data = FileManager.default.contents(atPath: path) else { return fallback }
        do {
            let v = try JSONDecoder().decode(VoiceSettings.self, from: data)
            try VoiceStore.validate(v)
            return v
        } catch {
            logWarning("voice", "ignoring saved voice settings", ["path": path, "reason": "\(error)"])
            return fallback
        }
    }

    func save(_ v: VoiceSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileSystem.writeDurably(try encoder.encode(v), to: path)
    }

    /// Applies a change to `current`; `language` names the espeak-ng voice when `voice` is absent.
    static func applying(_ change: VoiceChange, to current: VoiceSettings) throws -> VoiceSettings {
        var v = current
        if let r = change.rate { v.rate = r }
        if let p = change.pitch { v.pitch = p }
        if let vol = change.volume { v.volume = vol }
        if let name = change.voice ?? change.language { v.voice = name }
        try validate(v)
        return v
    }

    // MARK: - voice (audio output)

    /// `output.json` beside `voice.json`: the ALSA PCM chosen with `assist voice --output`,
    /// which wins over the config's `speech = device[:PCM]` as the voice file wins over `voice_*`.
    var outputPath: String { (path as NSString).deletingLastPathComponent + "/" + VoiceStore.outputFileName }
    static let outputFileName = "output.json"

    private struct SavedOutput: Codable {
        var output: String
    }

    /// The PCM chosen last, or nil (none chosen, or the file cannot be used: logged).
    func loadOutput() -> String? {
        guard let data = FileManager.default.contents(atPath: outputPath) else { return nil }
        do {
            let saved = try JSONDecoder().decode(SavedOutput.self, from: data)
            try VoiceStore.validate(output: saved.output)
            return saved.output
        } catch {
            logWarning("voice", "ignoring the saved audio output", ["path": outputPath, "reason": "\(error)"])
            return nil
        }
    }

    func saveOutput(_ name: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileSystem.writeDurably(try encoder.encode(SavedOutput(output: name)), to: outputPath)
    }

    /// An ALSA PCM name: printable, without spaces, at most 256 characters.
    static func validate(output name: String) throws {
        if name.isEmpty || name.count > 256 || name.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            throw VoiceError(description: "'\(name)' is not an ALSA PCM name (printable, no spaces, at most 256 characters)")
        }
    }

    static func validate(_ v: VoiceSettings) throws {
        if !VoiceLimits.rate.contains(v.rate) {
            throw VoiceError(description: "rate \(v.rate) is outside \(VoiceLimits.rate.lowerBound)...\(VoiceLimits.rate.upperBound) words per minute")
        }
        if !VoiceLimits.pitch.contains(v.pitch) {
            throw VoiceError(description: "pitch \(v.pitch) is outside \(VoiceLimits.pitch.lowerBound)...\(VoiceLimits.pitch.upperBound)")
        }
        if !VoiceLimits.volume.contains(v.volume) {
            throw VoiceError(description: "volume \(v.volume) is outside \(VoiceLimits.volume.lowerBound)...\(VoiceLimits.volume.upperBound)")
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_+/"))
        if v.voice.isEmpty || v.voice.count > 64 || v.voice.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            throw VoiceError(description: "voice name '\(v.voice)' is not an espeak-ng voice name")
        }
    }
}

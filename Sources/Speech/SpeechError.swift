/// Errors of the speech module; each description names the setting, voice, file or library call.
public enum SpeechError: Error, Equatable, CustomStringConvertible {
    /// A voice setting outside the range espeak-ng documents.
    case valueOutOfRange(setting: String, value: Int, allowed: ClosedRange<Int>)
    /// No installed espeak-ng voice, file name or language matches.
    case unknownVoice(String, suggestions: [String])
    /// A voice spec with a `+variant` that is not installed.
    case unknownVariant(voice: String, variant: String)
    /// libespeak-ng could not start (usually missing espeak-ng-data).
    case espeakInitializationFailed(String)
    /// An espeak-ng call failed; `call` is the function, `message` espeak-ng's own text.
    case espeak(call: String, message: String)
    /// The wav sink's directory or file could not be written.
    case wavFile(path: String, reason: String)
    /// ALSA refused the device or a write.
    case audioDevice(device: String, reason: String)
    /// A synthesis worker process (`SpeakerOptions.worker`) could not start or failed.
    case worker(executable: String, reason: String)
    /// A sink that makes audio was configured without `SpeakerOptions.worker`.
    case noWorker(sink: String)

    public var description: String {
        switch self {
        case .valueOutOfRange(let setting, let value, let allowed):
            return "\(setting) \(value) is out of range \(allowed.lowerBound)...\(allowed.upperBound)"
        case .unknownVoice(let name, let suggestions):
            let hint = suggestions.isEmpty ? "" : "; similar installed voices: \(suggestions.joined(separator: ", "))"
            return "unknown espeak-ng voice \"\(name)\"\(hint)"
        case .unknownVariant(let voice, let variant):
            return "voice \"\(voice)\": unknown espeak-ng variant \"\(variant)\" (variants live in espeak-ng-data/voices/!v)"
        case .espeakInitializationFailed(let message):
            return "libespeak-ng failed to initialize: \(message)"
        case .espeak(let call, let message):
            return "\(call) failed: \(message)"
        case .wavFile(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .audioDevice(let device, let reason):
            return "ALSA PCM \"\(device)\": \(reason)"
        case .worker(let executable, let reason):
            return "speech worker \(executable): \(reason)"
        case .noWorker(let sink):
            return "the \(sink) speech sink needs a synthesis worker command (SpeakerOptions.worker)"
        }
    }
}

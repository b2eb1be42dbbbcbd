import Foundation
import IPC
import Messages
import Speech
import SystemSupport

/// The `outputs` request and `voice --output`: which ALSA playback devices there are, and
/// moving speech to another one live, kept across restarts in the voice store. A PCM that
/// cannot be opened is refused before anything changes: speech stays where it was and says so.
final class OutputSwitch: Sendable {
    private let narrator: Narrator
    private let store: VoiceStore
    private let sink: SpeechSinkSpec
    /// One switch at a time, so two clients cannot interleave probe, switch and save.
    private let switching = Locked(())

    init(narrator: Narrator, store: VoiceStore, sink: SpeechSinkSpec) {
        self.narrator = narrator
        self.store = store
        self.sink = sink
    }

    /// The sink to build the speaker with: the saved output when speech plays on a device.
    static func sink(configured: SpeechSinkSpec, saved: String?) -> SpeechSinkSpec {
        guard configured.playsOnDevice, let saved else { return configured }
        return .pcm(saved)
    }

    /// `AudioOutputLister.list()`, with the one in use marked (and added when ALSA does not list it).
    func list() -> OutputsInfo {
        let current = narrator.audioOutput
        var outputs = AudioOutputLister.list().map {
            OutputsInfo.Output(name: $0.name, description: $0.description, source: $0.source.rawValue, inUse: $0.name == current)
        }
        if let current, !outputs.contains(where: { $0.name == current }) {
            outputs.insert(OutputsInfo.Output(name: current, description: "", source: "setting", inUse: true), at: 0)
        }
        return OutputsInfo(current: current, sink: narrator.health.sink, outputs: outputs)
    }

    /// Moves speech to `name`: opens it once to check, switches, saves the choice, and says
    /// "Speaking on NAME." there. On failure nothing changes, the reason is logged and returned,
    /// and the person hears "I cannot play sound on NAME" on the output still in use.
    func switchTo(_ name: String) -> RemoteError? {
        switching.withLock { _ in
            do { try VoiceStore.validate(output: name) } catch {
                return RemoteError(.voiceInvalid, "\(error)")
            }
            guard sink.playsOnDevice else {
                return RemoteError(.voiceInvalid, "speech goes to the \(sink) sink; set speech = device to choose an audio output")
            }
            let current = narrator.audioOutput
            if name != current {
                do { try PCMPlayer(device: name).probe() } catch {
                    logError("speech", "cannot switch audio output; keeping the one in use",
                             ["output": name, "keeping": current, "reason": "\(error)"])
                    narrator.announce([.outputCannotOpen(output: name)])
                    return RemoteError(.voiceInvalid, "\(error); speech stays on \(current ?? "the output in use")")
                }
                do { try narrator.setAudioOutput(name) } catch {
                    return RemoteError(.voiceInvalid, "\(error)")
                }
            }
            do { try store.saveOutput(name) } catch {
                logError("voice", "output changed but cannot be saved", ["path": store.outputPath, "reason": "\(error)"])
                return RemoteError(.internal, "speech moved to \(name) now but the choice could not be saved for the next start: \(error)")
            }
            logInfo("speech", "audio output changed", ["output": name, "was": current])
            narrator.announce([.outputSwitched(output: name)])
            return nil
        }
    }
}

extension RequestRouter {
    /// The answer to `outputs`.
    func outputsAnswer() -> ResponseBody {
        guard let outputSwitch else { return .failure(RemoteError(.internal, "this daemon has no audio output to list")) }
        return .outputs(outputSwitch.list())
    }

    /// The `output` part of a `voice` request; nil when it was applied.
    func switchOutput(_ name: String) -> RemoteError? {
        guard let outputSwitch else { return RemoteError(.voiceInvalid, "this daemon has no audio output to switch") }
        return outputSwitch.switchTo(name)
    }
}

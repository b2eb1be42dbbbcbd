import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The body of a synthesis worker process: one utterance, then exit.
///
/// libespeak-ng 1.51 keeps waveform state from one utterance to the next in statics that no API
/// resets (wavegen.c: `agc`, `h_switch_sign` and `cycle_count` in Wavegen, the wave phase, the
/// echo buffer, libc's rand() for noise; synthesize.c's frame pool; setlengths.c), and
/// `espeak_ng_Initialize` cannot run twice. The espeak-ng CLI starts from a fresh process every
/// time, so a fresh process per utterance is what makes each one sample-identical to
/// `espeak-ng -w`. The worker makes the CLI's calls in the CLI's order: it initializes
/// libespeak-ng (synchronous output, as `-w`), sets the voice it was told to prepare, then the
/// rate, volume and pitch, and waits; the request (for that same voice: the speaker never sends
/// another) is synthesized at once and streamed back, and the worker exits.
///
/// A host program calls this from a hidden subcommand, e.g. `assistd speech-worker`, and names
/// that command in `SpeakerOptions.worker`.
public enum SpeechWorker {
    /// The descriptor on which the worker finds its socket to the speaker.
    public static let socketDescriptor: Int32 = 3

    /// Runs the worker; returns the process exit status: 0 after an utterance (or when the
    /// speaker went away before sending one), 1 when libespeak-ng or the socket failed, 2 when not
    /// started by a speaker.
    public static func main(_ arguments: [String] = []) -> Int32 {
        guard arguments.isEmpty else {
            complain("speech worker takes no arguments (got \(arguments.joined(separator: " ")))")
            return 2
        }
        var status = stat()
        guard fstat(socketDescriptor, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK else {
            complain("speech worker: descriptor \(socketDescriptor) is not a socket; the speaker starts this command, it is not meant to be run by hand")
            return 2
        }
        let channel = WorkerChannel(fd: socketDescriptor)
        let exitStatus = Locked<Int32>(0)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let status = serve(channel)
            exitStatus.withLock { $0 = status }
            done.signal()
        }
        // libespeak-ng's clause translation keeps large arrays on the stack (as in Speaker).
        thread.stackSize = 8 << 20
        thread.start()
        done.wait()
        return exitStatus.withLock { $0 }
    }

    private static func complain(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// The worker's life, on a thread with a known stack size; returns the exit status.
    private static func serve(_ channel: WorkerChannel) -> Int32 {
        do {
            _ = try EspeakEngine.shared.initialize()
        } catch {
            try? channel.send(.end(.failed("\(error)")))
            return 1
        }
        let request: WorkerRequest
        do {
            // Nil: the speaker shut down before it needed this worker.
            guard var frame = try channel.receive(timeout: nil) else { return 0 }
            if frame.tag == .prepare {
                let voice = try WorkerVoice(frame: frame)
                // A problem here shows again, and is reported, when the request sets the voice.
                _ = EspeakEngine.shared.prepare(voice.settings, selection: voice.selection)
                guard let next = try channel.receive(timeout: nil) else { return 0 }
                frame = next
            }
            request = try WorkerRequest(frame: frame)
        } catch {
            complain("speech worker: \(error)")
            return 1
        }
        return synthesize(request, channel)
    }

    private static func synthesize(_ request: WorkerRequest, _ channel: WorkerChannel) -> Int32 {
        var speakerGone = false
        let outcome = EspeakEngine.shared.synthesize(
            request.text, settings: request.voice.settings, selection: request.voice.selection,
            begin: { rate in try channel.send(.begin(sampleRate: rate)) },
            onChunk: { samples in
                do {
                    try channel.send(.audio(samples))
                    return true
                } catch {
                    speakerGone = true
                    return false
                }
            },
            shouldAbort: { false },
            onWord: request.words ? { mark in
                if !speakerGone, (try? channel.send(.word(mark))) == nil { speakerGone = true }
            } : nil)
        do {
            if speakerGone { throw WorkerChannelError.truncated }
            try channel.send(.end(outcome))
            return 0
        } catch {
            return 1
        }
    }
}

import CAlsa
import Foundation

/// 16-bit mono playback on one ALSA PCM, used only from the speech thread.
///
/// The PCM is opened non-blocking (SND_PCM_NONBLOCK) so that neither a busy device nor a stalled
/// sound server can hang the speech thread: every wait is bounded (`pollMilliseconds`) and checks
/// whether the utterance was stopped. The buffer is short (`bufferMicroseconds`, periods of about
/// a quarter of it), so `snd_pcm_drop` on stop silences at once and little audio is lost to it.
final class AlsaPlayer {
    let device: String
    static let bufferMicroseconds: UInt32 = 80_000
    static let pollMilliseconds: Int32 = 20
    /// A device that accepts no audio for this long is treated as broken.
    static let stallSeconds: TimeInterval = 3

    private var pcm: OpaquePointer?
    private(set) var sampleRate = 0

    init(device: String) {
        self.device = device
        assist_alsa_silence_errors()
    }

    deinit { close() }

    var isOpen: Bool { pcm != nil }

    /// Opens the PCM for S16_LE mono at `sampleRate` (alsa-lib resamples if the hardware cannot).
    func open(sampleRate: Int) throws {
        if pcm != nil, self.sampleRate == sampleRate { return }
        close()
        var handle: OpaquePointer?
        let opened = snd_pcm_open(&handle, device, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)
        guard opened >= 0, let handle else { throw failure("cannot open", opened) }
        let configured = snd_pcm_set_params(handle, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                            1, UInt32(sampleRate), 1, Self.bufferMicroseconds)
        guard configured >= 0 else {
            snd_pcm_close(handle)
            throw failure("cannot set S16_LE mono \(sampleRate) Hz", configured)
        }
        pcm = handle
        self.sampleRate = sampleRate
    }

    /// Queues all of `samples` for playback. Returns false, having dropped the buffered audio,
    /// when `shouldAbort` turns true first. Throws (and closes the PCM) when the device fails.
    func play(_ samples: UnsafeBufferPointer<Int16>, shouldAbort: () -> Bool) throws -> Bool {
        guard let pcm, let base = samples.baseAddress else { return true }
        var offset = 0
        var lastProgress = Date()
        while offset < samples.count {
            if shouldAbort() { drop(); return false }
            let written = snd_pcm_writei(pcm, base + offset, snd_pcm_uframes_t(samples.count - offset))
            if written > 0 {
                offset += Int(written)
                lastProgress = Date()
            } else if written == 0 || written == -snd_pcm_sframes_t(EAGAIN) {
                if Date().timeIntervalSince(lastProgress) > Self.stallSeconds {
                    close()
                    throw SpeechError.audioDevice(device: device, reason: "accepted no audio for \(Int(Self.stallSeconds)) s")
                }
                let waited = snd_pcm_wait(pcm, Self.pollMilliseconds)
                if waited < 0 { try recover(waited) }
            } else {
                try recover(Int32(written))
            }
        }
        return true
    }

    /// Waits until the queued audio has been played, pausing through `pause` (which returns early
    /// on stop). Returns false, having dropped the rest, when `shouldAbort` turns true first.
    func finish(shouldAbort: () -> Bool, pause: (TimeInterval) -> Void) throws -> Bool {
        guard let pcm else { return true }
        // snd_pcm_set_params starts the stream only once the buffer is full; a short utterance
        // never fills it.
        if snd_pcm_state(pcm) == SND_PCM_STATE_PREPARED { _ = snd_pcm_start(pcm) }
        let deadline = Date().addingTimeInterval(Self.stallSeconds
                                                 + Double(Self.bufferMicroseconds) / 1_000_000)
        while true {
            if shouldAbort() { drop(); return false }
            var delay: snd_pcm_sframes_t = 0
            // An error here is an underrun: everything has been played.
            if snd_pcm_delay(pcm, &delay) < 0 || delay <= 0 { break }
            if snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING { break }
            if Date() > deadline {
                close()
                throw SpeechError.audioDevice(device: device, reason: "did not finish playing within \(Int(Self.stallSeconds)) s")
            }
            pause(min(Double(delay) / Double(max(sampleRate, 1)), Double(Self.pollMilliseconds) / 1000))
        }
        drop()
        return true
    }

    /// Discards whatever is buffered and makes the PCM ready for the next utterance.
    func drop() {
        guard let pcm else { return }
        _ = snd_pcm_drop(pcm)
        _ = snd_pcm_prepare(pcm)
    }

    func close() {
        guard let pcm else { return }
        _ = snd_pcm_drop(pcm)
        snd_pcm_close(pcm)
        self.pcm = nil
    }

    /// Underruns (-EPIPE) and suspends (-ESTRPIPE) are recoverable; anything else, such as an
    /// unplugged USB speaker (-ENODEV), closes the PCM.
    private func recover(_ error: Int32) throws {
        guard let pcm else { return }
        if snd_pcm_recover(pcm, error, 1) >= 0 { return }
        close()
        throw failure("write failed", error)
    }

    private func failure(_ what: String, _ code: Int32) -> SpeechError {
        SpeechError.audioDevice(device: device, reason: "\(what): \(String(cString: snd_strerror(code)))")
    }
}

import Foundation

/// Less common knobs of a `Speaker`; the defaults suit the daemon.
public struct SpeakerOptions: Sendable, Equatable {
    /// The ALSA PCM the `device` sink plays on ("default"; "null" discards audio, for tests).
    public var alsaDevice: String
    /// How often the `device` sink tries to open a missing audio device again.
    public var deviceRetryInterval: TimeInterval
    /// When true the `wav` sink takes as long as playback would (it waits for each chunk's real
    /// duration), so stopping and superseding behave as on a device. Off, it writes as fast as
    /// libespeak-ng synthesizes (a few hundred times real time).
    public var paceWavInRealTime: Bool
    /// The command that starts a synthesis worker: each utterance is synthesized in a fresh
    /// worker process (one is always started ahead, so no latency is added). libespeak-ng keeps
    /// state from one utterance to the next that no API resets; a fresh process makes every
    /// utterance sample-identical to `espeak-ng -w`. Needed by every sink but `none`.
    public var worker: WorkerCommand?

    public init(alsaDevice: String = "default", deviceRetryInterval: TimeInterval = 5,
                paceWavInRealTime: Bool = false, worker: WorkerCommand? = nil) {
        self.alsaDevice = alsaDevice
        self.deviceRetryInterval = deviceRetryInterval
        self.paceWavInRealTime = paceWavInRealTime
        self.worker = worker
    }
}

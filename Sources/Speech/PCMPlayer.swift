import Foundation

/// Plays a clip of 16-bit mono PCM on one ALSA PCM and returns when it has been played: the
/// path by which earcons and tones reach a device (`speech = device:PCM`), through the same
/// non-blocking `AlsaPlayer` the speech sink uses. One player per thread.
public final class PCMPlayer {
    private let player: AlsaPlayer

    /// `device`: an ALSA PCM name ("default", "plughw:CARD=Headphones,DEV=0", "bluealsa").
    public init(device: String) {
        player = AlsaPlayer(device: device)
    }

    public var device: String { player.device }

    /// Plays `samples` at `sampleRate` to the end. Throws `SpeechError.audioDevice` naming the
    /// PCM when it cannot be opened or fails while playing (the player then reopens next time).
    public func play(_ samples: [Int16], sampleRate: Int = Tone.sampleRate) throws {
        try player.open(sampleRate: sampleRate)
        _ = try samples.withUnsafeBufferPointer { try player.play($0, shouldAbort: { false }) }
        // Waiting for the device to drain is pacing by the audio clock, bounded by AlsaPlayer.
        _ = try player.finish(shouldAbort: { false }, pause: { Thread.sleep(forTimeInterval: $0) })
    }

    /// Opens the PCM for speech's format (S16_LE mono at `sampleRate`) and closes it again:
    /// whether speech could play there. Throws `SpeechError.audioDevice` naming the PCM and
    /// ALSA's reason ("No such device", "Device or resource busy", an unknown PCM name).
    public func probe(sampleRate: Int = Tone.sampleRate) throws {
        defer { player.close() }
        try player.open(sampleRate: sampleRate)
    }

    /// Closes the PCM (it is opened again by the next `play`).
    public func close() {
        player.close()
    }
}

/// One ALSA playback device, as `assist outputs` lists it and `speech = device:NAME` takes it.
public struct AudioOutput: Sendable, Equatable, Codable {
    /// Where the entry came from.
    public enum Source: String, Sendable, Codable {
        /// A PCM the ALSA configuration describes (`snd_device_name_hint`): "default",
        /// "sysdefault:CARD=...", a `.asoundrc` entry with a hint, "bluealsa".
        case configuration
        /// A playback device of a sound card (`snd_card_next`), as `plughw:CARD=ID,DEV=N`.
        case card
    }

    /// The PCM name to configure.
    public var name: String
    /// What ALSA says it is, on one line ("bcm2835 Headphones, bcm2835 Headphones").
    public var description: String
    public var source: Source

    public init(name: String, description: String, source: Source) {
        self.name = name
        self.description = description
        self.source = source
    }
}

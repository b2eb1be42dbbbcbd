/// The answer to `outputs`: the playback devices ALSA knows here and the one speech uses.
public struct OutputsInfo: Codable, Sendable, Equatable {
    /// One playback device.
    public struct Output: Codable, Sendable, Equatable {
        /// The ALSA PCM name, as `speech = device:NAME` and `assist voice --output NAME` take it.
        public var name: String
        /// ALSA's description ("HDA Intel PCH, ALC3246 Analog"), empty when it has none.
        public var description: String
        /// `configuration` (ALSA's and ~/.asoundrc's named PCMs) or `card` (a sound card's device).
        public var source: String
        /// True for the one speech plays on.
        public var inUse: Bool

        public init(name: String, description: String, source: String, inUse: Bool) {
            self.name = name; self.description = description; self.source = source; self.inUse = inUse
        }

        enum CodingKeys: String, CodingKey { case name, description, source, inUse = "in_use" }
    }

    /// The ALSA PCM speech plays on; absent when speech goes to WAV files or nowhere.
    public var current: String?
    /// The speech sink (`device`, `device:NAME`, `wav:DIR`, `none`).
    public var sink: String
    public var outputs: [Output]

    public init(current: String?, sink: String, outputs: [Output]) {
        self.current = current; self.sink = sink; self.outputs = outputs
    }
}

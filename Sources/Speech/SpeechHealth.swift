/// The sink's state, for `status`.
public struct SpeechHealth: Sendable, Equatable {
    /// The sink as given (`device`, `wav:DIR`, `none`).
    public var sink: String
    /// False when speech cannot currently be heard or stored.
    public var ok: Bool
    /// What is wrong (or, when ok, what the sink is doing), e.g.
    /// `cannot open ALSA PCM "default": No such file or directory (retrying every 5 s)`.
    public var detail: String?
    public init(sink: String, ok: Bool, detail: String? = nil) { self.sink = sink; self.ok = ok; self.detail = detail }
}

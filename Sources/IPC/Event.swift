/// What happened, in an event frame.
public enum EventKind: String, Codable, Sendable {
    /// A photo was found in a watched folder or arrived by socket and was queued.
    case photoReceived = "photo_received"
    /// A photo was described (`text` is the message, `description` its parts), with or
    /// without a captioning model.
    case captioned
    /// An utterance finished playing (`text`).
    case spoken
    /// A photo could not be described (`error`).
    case failed
}

/// One entry of the event stream that `events` subscribes to.
public struct Event: Codable, Sendable, Equatable {
    public var kind: EventKind
    /// Seconds since 1970.
    public var time: Double
    /// The photo's file name or the client's name for it.
    public var photo: String?
    public var text: String?
    public var error: String?
    /// The parts of the description, on `captioned`.
    public var description: DescriptionInfo?

    public init(kind: EventKind, time: Double, photo: String? = nil, text: String? = nil, error: String? = nil,
                description: DescriptionInfo? = nil) {
        self.kind = kind; self.time = time; self.photo = photo; self.text = text; self.error = error
        self.description = description
    }
}

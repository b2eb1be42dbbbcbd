/// What happened, in an event frame.
public enum EventKind: String, Codable, Sendable {
    /// A photo was found in a watched folder or arrived by socket and was queued.
    case photoReceived = "photo_received"
    /// A caption was made (`text`).
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

    public init(kind: EventKind, time: Double, photo: String? = nil, text: String? = nil, error: String? = nil) {
        self.kind = kind; self.time = time; self.photo = photo; self.text = text; self.error = error
    }
}

/// What a `forget` request erases: every description, or the newest `count`.
public enum ForgetScope: Sendable, Equatable {
    case all
    case last(Int)
}

/// What a `forget` request erased, for the client to say.
public struct ForgetResult: Codable, Sendable, Equatable {
    /// Descriptions taken out of the journal (the photo stays recorded as done, so it is not
    /// described again, but what it showed and said is gone).
    public var journal: Int
    /// Entries taken out of the history (`repeat`, `history`).
    public var history: Int
    /// Captured photos deleted (only with a capture directory).
    public var photos: Int

    public init(journal: Int, history: Int, photos: Int) {
        self.journal = journal; self.history = history; self.photos = photos
    }
}

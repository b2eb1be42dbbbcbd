/// How a key was pressed, judged by the events' own timestamps (`PressClassifier`).
public enum PressKind: String, CaseIterable, Sendable, Codable {
    /// Pressed and released within the long-press time, and not pressed again within the
    /// double-press window.
    case short
    /// Two short presses, the second beginning within the double-press window of the first
    /// one's release.
    case double
    /// Held at least `PressTiming.long` (1 s by default).
    case long
    /// Held at least `PressTiming.veryLong` (5 s by default).
    case veryLong = "verylong"
}

import Foundation

/// The times that tell presses apart, in seconds.
public struct PressTiming: Sendable, Equatable {
    /// A second press beginning within this time after the first one's release makes a double
    /// press. A key without a double-press action is reported at once, without this wait.
    public var doubleWindow: TimeInterval
    /// Held this long or longer: a long press.
    public var long: TimeInterval
    /// Held this long or longer: a very long press.
    public var veryLong: TimeInterval

    public init(doubleWindow: TimeInterval = 0.4, long: TimeInterval = 1, veryLong: TimeInterval = 5) {
        self.doubleWindow = doubleWindow
        self.long = long
        self.veryLong = veryLong
    }

    /// Nil when the times are usable: positive, and a very long press longer than a long one.
    public var problem: String? {
        if !(doubleWindow > 0 && doubleWindow <= 2) { return "the double-press window must be above 0 and at most 2 s" }
        if !(long > 0) { return "the long-press time must be above 0 s" }
        if !(veryLong > long) { return "the very-long-press time must be longer than the long-press time" }
        return nil
    }
}

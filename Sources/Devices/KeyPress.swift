import Foundation

/// One classified press of one key.
public struct KeyPress: Sendable, Equatable {
    public var code: KeyCode
    public var kind: PressKind
    /// Event timestamps (seconds): when the (first) press began and when the (last) release came.
    public var pressedAt: TimeInterval
    public var releasedAt: TimeInterval

    public init(code: KeyCode, kind: PressKind, pressedAt: TimeInterval, releasedAt: TimeInterval) {
        self.code = code
        self.kind = kind
        self.pressedAt = pressedAt
        self.releasedAt = releasedAt
    }

    /// How long the key was held (for a double press, the whole gesture).
    public var duration: TimeInterval { releasedAt - pressedAt }
}

import Foundation

/// Turns one device's key events into presses, by the events' own timestamps.
///
/// A press is reported as `.down` at once (so an earcon can play within milliseconds and speech
/// can stop), then classified at its release: held `timing.veryLong` or more is very long,
/// `timing.long` or more long, else short. A short press of a key that has a double-press
/// action waits up to `timing.doubleWindow` for a second press: if one begins in time (by its
/// timestamp) the pair is a double press, otherwise the short press is reported when a later
/// event shows the window has passed, or when the reader calls `expire()` because that much
/// real time went by with no event. Autorepeat (value 2) only says the key is still held.
/// SYN_DROPPED (events lost to a full kernel buffer) forgets the held keys.
/// A pure value type: no clock, no I/O.
public struct PressClassifier: Sendable {
    /// What one event (or the passing of the window) yields.
    public enum Output: Sendable, Equatable {
        /// A key went down (not an autorepeat): at `time`, by the event's timestamp.
        case down(KeyCode, time: TimeInterval)
        case press(KeyPress)
    }

    private struct Held: Sendable {
        var pressedAt: TimeInterval
        /// The release of a short press this one follows within the window (a double press).
        var firstPressedAt: TimeInterval?
    }

    private struct Pending: Sendable {
        var code: KeyCode
        var pressedAt: TimeInterval
        var releasedAt: TimeInterval
    }

    public let timing: PressTiming
    private let hasDoubleAction: @Sendable (KeyCode) -> Bool
    private var held: [KeyCode: Held] = [:]
    private var pending: Pending?
    /// After SYN_DROPPED (the kernel's buffer overflowed), events up to the next SYN_REPORT are
    /// an incomplete batch and are skipped, as libevdev does.
    private var dropping = false

    /// `hasDoubleAction`: whether a short press of the key may be the first of a double press;
    /// keys without one are reported at their release.
    public init(timing: PressTiming = PressTiming(), hasDoubleAction: @escaping @Sendable (KeyCode) -> Bool) {
        self.timing = timing
        self.hasDoubleAction = hasDoubleAction
    }

    /// The release time of a short press that is waiting to see if a second press follows.
    public var waitingSince: TimeInterval? { pending?.releasedAt }

    /// The presses and key-downs `event` completes.
    public mutating func feed(_ event: InputEvent) -> [Output] {
        var out: [Output] = []
        if let p = pending, event.time - p.releasedAt > timing.doubleWindow {
            out.append(.press(KeyPress(code: p.code, kind: .short, pressedAt: p.pressedAt, releasedAt: p.releasedAt)))
            pending = nil
        }
        if event.type == InputEvent.synchronization {
            if event.code == InputEvent.droppedCode {
                // A release may be among the lost events: no held key can be trusted.
                dropping = true
                held.removeAll()
            } else if event.code == InputEvent.reportCode {
                dropping = false
            }
            return out
        }
        guard event.type == InputEvent.key, !dropping else { return out }
        let code = KeyCode(event.code)
        switch event.value {
        case InputEvent.pressed:
            // A second "down" without a release (events were lost) continues the same press.
            guard held[code] == nil else { return out }
            out.append(.down(code, time: event.time))
            if let p = pending {
                pending = nil
                if p.code == code {
                    held[code] = Held(pressedAt: event.time, firstPressedAt: p.pressedAt)
                    return out
                }
                out.append(.press(KeyPress(code: p.code, kind: .short, pressedAt: p.pressedAt, releasedAt: p.releasedAt)))
            }
            held[code] = Held(pressedAt: event.time, firstPressedAt: nil)
        case InputEvent.released:
            guard let h = held.removeValue(forKey: code) else { return out }
            let duration = max(0, event.time - h.pressedAt)
            if let first = h.firstPressedAt {
                out.append(.press(KeyPress(code: code, kind: .double, pressedAt: first, releasedAt: event.time)))
            } else if duration >= timing.veryLong {
                out.append(.press(KeyPress(code: code, kind: .veryLong, pressedAt: h.pressedAt, releasedAt: event.time)))
            } else if duration >= timing.long {
                out.append(.press(KeyPress(code: code, kind: .long, pressedAt: h.pressedAt, releasedAt: event.time)))
            } else if hasDoubleAction(code) {
                pending = Pending(code: code, pressedAt: h.pressedAt, releasedAt: event.time)
            } else {
                out.append(.press(KeyPress(code: code, kind: .short, pressedAt: h.pressedAt, releasedAt: event.time)))
            }
        default:
            // Autorepeat: the key is still held; its length is judged at the release.
            break
        }
        return out
    }

    /// The waiting short press, reported because the double-press window has passed in real
    /// time with no further event.
    public mutating func expire() -> [Output] {
        guard let p = pending else { return [] }
        pending = nil
        return [.press(KeyPress(code: p.code, kind: .short, pressedAt: p.pressedAt, releasedAt: p.releasedAt))]
    }

    /// The device went away: keys held on it will never be released, so they are forgotten;
    /// a completed short press still counts.
    public mutating func deviceLost() -> [Output] {
        held.removeAll()
        return expire()
    }
}

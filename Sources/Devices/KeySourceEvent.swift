import Foundation

/// What `KeySource` reports, in order, on its own thread.
public enum KeySourceEvent: Sendable, Equatable {
    /// A key went down: play the key earcon now, and stop speech if `KeyActionResolver` says so.
    /// `time` is the event's own timestamp (CLOCK_MONOTONIC for evdev devices).
    case keyDown(KeyCode, time: TimeInterval, device: String)
    /// A classified press.
    case press(KeyPress, device: String)
    /// A device was opened: at start, when plugged in, or `again` after it had vanished.
    /// `keys`: the key codes it can send, nil when it cannot tell (a FIFO or file in tests).
    case deviceOpened(path: String, name: String, keys: Set<KeyCode>?, again: Bool)
    /// An open device went away (unplugged, read error). Reported once; it is opened again
    /// when it comes back.
    case deviceLost(path: String, reason: String)
    /// A configured device cannot be used (missing, no permission, not a key device, grabbed by
    /// another program). Reported once per reason; tried again on hot-plug and rescan.
    case deviceUnusable(path: String, reason: String)
    /// `auto` skipped a device that has no key the map uses (a mouse, a sensor). Once per path.
    case deviceIgnored(path: String, reason: String)
}

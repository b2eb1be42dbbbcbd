/// Decides what the daemon does for key-downs and presses, given whether it is speaking.
///
/// "Any press while speaking: stop first." A key going down while speech plays stops it at
/// once (the daemon silences within milliseconds, before the press is even classified), unless
/// the key only adjusts volume or rate (`KeyBinding.interruptsSpeech`). That press has then
/// done its job: if it turns out short, its action (describe, for one button) is not run, so
/// silencing never takes a photo. A double, long or very long press still runs its action
/// after the stop: press twice while it speaks to hear it again from the start.
public struct KeyActionResolver: Sendable {
    public let map: KeyMap
    /// Keys whose current gesture already stopped speech.
    private var stopped: Set<KeyCode> = []

    public init(map: KeyMap) {
        self.map = map
    }

    /// At a key-down: `.stop` if speech is playing and the key interrupts it, else nil.
    public mutating func keyDown(_ code: KeyCode, speaking: Bool) -> KeyAction? {
        guard speaking, let binding = map[code], binding.interruptsSpeech else { return nil }
        stopped.insert(code)
        return .stop
    }

    /// At a classified press: the action to run, or nil (no action for this kind of press, or a
    /// short press that only stopped speech).
    public mutating func press(_ press: KeyPress) -> KeyAction? {
        let stoppedSpeech = stopped.remove(press.code) != nil
        if stoppedSpeech && press.kind == .short { return nil }
        return map.action(for: press)
    }
}

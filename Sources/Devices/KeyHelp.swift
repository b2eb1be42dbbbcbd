import Messages

/// The spoken "what each key does", generated from the key map.
public enum KeyHelp {
    /// One sentence per group of keys that do the same, in key-code order, then the stop rule.
    /// `available`: the keys the connected devices have (nil: every key in the map), so a
    /// person with one button hears about that button only.
    public static func messages(for map: KeyMap, timing: PressTiming = PressTiming(),
                                available: Set<KeyCode>? = nil) -> [Message] {
        var groups: [(binding: KeyBinding, codes: [KeyCode])] = []
        for code in map.codes.sorted() where available?.contains(code) ?? true {
            let binding = map[code]!
            if let i = groups.firstIndex(where: { $0.binding == binding }) {
                groups[i].codes.append(code)
            } else {
                groups.append((binding, [code]))
            }
        }
        guard !groups.isEmpty else { return [.keysNotFound] }
        var out: [Message] = [.helpIntro]
        for group in groups {
            var actions: [Message] = []
            if let a = group.binding.short { actions.append(.helpPress(action: a.spoken)) }
            if let a = group.binding.double { actions.append(.helpDoublePress(action: a.spoken)) }
            if let a = group.binding.long { actions.append(.helpLongPress(action: a.spoken)) }
            if let a = group.binding.veryLong {
                actions.append(.helpVeryLongPress(action: a.spoken, seconds: Int(timing.veryLong.rounded())))
            }
            out.append(.helpKey(keys: group.codes.map(\.spoken), actions: actions))
        }
        out.append(.helpStopFirst)
        return out
    }
}

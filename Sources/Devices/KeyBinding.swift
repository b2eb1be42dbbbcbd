/// The actions of one key, by kind of press; nil where that press does nothing.
public struct KeyBinding: Sendable, Equatable {
    public var short: KeyAction?
    public var double: KeyAction?
    public var long: KeyAction?
    public var veryLong: KeyAction?

    public init(short: KeyAction? = nil, double: KeyAction? = nil, long: KeyAction? = nil, veryLong: KeyAction? = nil) {
        self.short = short
        self.double = double
        self.long = long
        self.veryLong = veryLong
    }

    /// Everything one button needs: describe, repeat, status, help.
    public static let oneButton = KeyBinding(short: .describe, double: .repeat, long: .status, veryLong: .help)

    public subscript(kind: PressKind) -> KeyAction? {
        get {
            switch kind {
            case .short: return short
            case .double: return double
            case .long: return long
            case .veryLong: return veryLong
            }
        }
        set {
            switch kind {
            case .short: short = newValue
            case .double: double = newValue
            case .long: long = newValue
            case .veryLong: veryLong = newValue
            }
        }
    }

    /// No action at all.
    public var isEmpty: Bool { PressKind.allCases.allSatisfy { self[$0] == nil } }

    /// Whether a press of this key stops speech first (see `KeyAction.interruptsSpeech`).
    public var interruptsSpeech: Bool { short?.interruptsSpeech ?? true }
}

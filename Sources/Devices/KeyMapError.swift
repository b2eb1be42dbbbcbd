/// A key map entry that cannot be used; each case names the entry and the word at fault.
public enum KeyMapError: Error, Equatable, CustomStringConvertible {
    /// Not a kernel key name (`KEY_ENTER`, `BTN_0`) nor a code 0...767.
    case unknownKey(String)
    case unknownAction(key: String, word: String)
    case unknownPressKind(key: String, word: String)
    /// The same kind of press given twice for one key.
    case repeatedPressKind(key: String, kind: String)
    case empty(key: String)
    /// A line of key map text that is not `key.NAME = ACTIONS` or `keys = defaults|none`.
    case badLine(String)

    public var description: String {
        switch self {
        case .unknownKey(let k):
            return "key map: unknown key '\(k)'; use a kernel name such as KEY_ENTER, KEY_KP5, KEY_PLAYPAUSE, BTN_0, or a code 0...767"
        case .unknownAction(let k, let w):
            return "key map: key.\(k): unknown action '\(w)'; expected one of \(KeyAction.allCases.map(\.rawValue).joined(separator: ", ")) or none"
        case .unknownPressKind(let k, let w):
            return "key map: key.\(k): unknown kind of press '\(w)'; expected press, double, long or verylong"
        case .repeatedPressKind(let k, let kind):
            return "key map: key.\(k): '\(kind)' is given twice"
        case .empty(let k):
            return "key map: key.\(k) has no actions; write 'none' to turn the key off"
        case .badLine(let l):
            return "key map: cannot read '\(l)'; expected 'key.NAME = ACTIONS' or 'keys = defaults|none'"
        }
    }
}

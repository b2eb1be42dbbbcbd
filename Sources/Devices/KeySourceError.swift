/// Why a `KeySource` could not start.
public enum KeySourceError: Error, Equatable, CustomStringConvertible {
    /// A system call failed: which call, on what, and errno's text.
    case system(call: String, target: String, reason: String)
    case badTiming(String)
    case alreadyStarted

    public var description: String {
        switch self {
        case .system(let call, let target, let reason): return "key input: \(call) \(target): \(reason)"
        case .badTiming(let problem): return "key input: \(problem)"
        case .alreadyStarted: return "key input: already started"
        }
    }
}

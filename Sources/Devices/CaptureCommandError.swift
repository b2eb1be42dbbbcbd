/// A `capture_command` value that cannot be run.
public enum CaptureCommandError: Error, Equatable, CustomStringConvertible {
    case empty
    case noOutPlaceholder(String)
    case unterminatedQuote(String)

    public var description: String {
        switch self {
        case .empty: return "capture_command is empty; give a camera program and its arguments with {out}"
        case .noOutPlaceholder(let c): return "capture_command '\(c)' has no {out} argument for the photo's path"
        case .unterminatedQuote(let c): return "capture_command '\(c)' has an unterminated quote or a trailing backslash"
        }
    }
}

/// Why a JSON file of a model directory could not be used. Each description starts with the file
/// and, for a field, the path to it: `…/config.json: decoder.n_embd: expected an integer, found "x"`.
public enum ModelJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not JSON at all (Foundation's parser does not say where).
    case notJSON(file: String)
    /// The value at `path` (empty for the whole file) is of the wrong kind or out of range.
    case invalidField(file: String, path: String, expected: String, found: String)
    /// A required field is absent.
    case missingField(file: String, path: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read: \(reason)"
        case .notJSON(let file): return "\(file): not valid JSON"
        case .invalidField(let file, let path, let expected, let found):
            return "\(file): \(path.isEmpty ? "" : path + ": ")expected \(expected), found \(found)"
        case .missingField(let file, let path): return "\(file): \(path): missing"
        }
    }
}

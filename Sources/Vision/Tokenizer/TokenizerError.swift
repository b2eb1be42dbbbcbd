/// Why a tokenizer directory could not be loaded; each case names the file.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case missingFiles(directory: String)
    case invalidFile(String, reason: String)
    case unsupported(String, feature: String)

    public var description: String {
        switch self {
        case .missingFiles(let d):
            return "tokenizer files missing in \(d): need vocab.json and merges.txt, or tokenizer.json"
        case .invalidFile(let f, let r): return "invalid tokenizer file \(f): \(r)"
        case .unsupported(let f, let what): return "tokenizer file \(f) uses \(what), which is not supported"
        }
    }
}

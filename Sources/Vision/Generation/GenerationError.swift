/// Why a generation request cannot be run as transformers would run it; each case names the option.
public enum GenerationError: Error, CustomStringConvertible, Equatable {
    case invalidOption(name: String, reason: String)
    case unsupportedOptions([String])
    case missingDecoderStartToken

    public var description: String {
        switch self {
        case .invalidOption(let n, let r): return "generation option \(n) is invalid: \(r)"
        case .unsupportedOptions(let names):
            return "generation options not supported by this engine: \(names.sorted().joined(separator: ", ")) (only greedy and beam search without sampling are implemented)"
        case .missingDecoderStartToken:
            return "neither decoder_start_token_id nor bos_token_id is set in config.json or generation_config.json"
        }
    }
}

/// Why a checkpoint cannot be run or an input cannot be encoded; each case names the thing.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unsupportedActivation(field: String, name: String, supported: [String])
    case invalidConfig(field: String, reason: String)
    case tiedWeightsDiffer(key: String, tiedTo: String)
    case pixelCount(expected: Int, found: Int, channels: Int, height: Int, width: Int)
    case encoderOutputShape(expectedRows: Int, expectedWidth: Int, found: Int)
    case sequenceTooLong(length: Int, limit: Int, reason: String)
    case tokenOutOfRange(token: Int, vocabSize: Int)
    case stateTooLarge(rows: Int, capacity: Int, maxStep: Int)

    public var description: String {
        switch self {
        case .unsupportedActivation(let f, let n, let s):
            return "config field \(f) names activation \"\(n)\", which is not supported (supported: \(s.joined(separator: ", ")))"
        case .invalidConfig(let f, let r): return "config field \(f) is invalid: \(r)"
        case .tiedWeightsDiffer(let k, let t):
            return "checkpoint tensor \(k) differs from \(t) although the decoder config ties them (tie_word_embeddings)"
        case .pixelCount(let e, let f, let c, let h, let w):
            return "pixel_values has \(f) floats, expected \(e) (\(c) x \(h) x \(w), the encoder's num_channels x image_size x image_size)"
        case .encoderOutputShape(let r, let w, let f):
            return "encoder output has \(f) floats, expected \(r) rows x \(w)"
        case .sequenceTooLong(let l, let lim, let r): return "sequence length \(l) exceeds \(lim) (\(r))"
        case .tokenOutOfRange(let t, let v): return "token id \(t) is outside the vocabulary (vocab_size \(v))"
        case .stateTooLarge(let r, let c, let s):
            return "decoder state for \(r) rows (beams) x \(c) positions (step \(s)) is too large to allocate"
        }
    }
}

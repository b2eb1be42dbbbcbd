/// The logits processors `_get_logits_processor` builds for the supported options, applied in
/// its order: repetition penalty, no-repeat n-gram, min length, min new tokens
/// (transformers 4.40.2 logits_process.py). Works in place on one row; allocates nothing.
struct LogitsProcessors: Sendable, Equatable {
    /// `RepetitionPenaltyLogitsProcessor`: nil when the penalty is 1.
    var repetitionPenalty: Float?
    /// `NoRepeatNGramLogitsProcessor`: 0 when off.
    var noRepeatNgramSize: Int
    /// `MinLengthLogitsProcessor`: EOS is banned while the sequence (start token included) is
    /// shorter than this.
    var minLength: Int
    /// `MinNewTokensLengthLogitsProcessor`: EOS is banned while fewer new tokens than this exist.
    var minNewTokens: Int
    var eos: [Int]

    /// Processes `scores` `(V)` of the row whose tokens so far are `ids` (start token first).
    func apply(_ scores: UnsafeMutablePointer<Float>, vocab: Int, ids: UnsafeBufferPointer<Int>) {
        let n = ids.count
        if let penalty = repetitionPenalty {
            // gather / where / scatter: each distinct previous token is penalized once, from its
            // unprocessed score.
            for i in 0..<n {
                let tok = ids[i]
                var seen = false
                for j in 0..<i where ids[j] == tok { seen = true; break }
                if seen { continue }
                let s = scores[tok]
                scores[tok] = s < 0 ? s * penalty : s / penalty
            }
        }
        let ng = noRepeatNgramSize
        if ng > 0 && n + 1 >= ng {
            // Ban every token that followed an earlier occurrence of the last ng-1 tokens.
            let prefixStart = n + 1 - ng
            if n - ng + 1 > 0 {
                for i in 0..<(n - ng + 1) {
                    var match = true
                    for j in 0..<(ng - 1) where ids[i + j] != ids[prefixStart + j] { match = false; break }
                    if match { scores[ids[i + ng - 1]] = -.infinity }
                }
            }
        }
        if n < minLength || n - 1 < minNewTokens {
            for e in eos where e >= 0 && e < vocab { scores[e] = -.infinity }
        }
    }
}

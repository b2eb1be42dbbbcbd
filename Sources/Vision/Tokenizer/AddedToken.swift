/// A token matched whole in the input before BPE, as in tokenizers' `AddedVocabulary`
/// (`<|endoftext|>` and any token from `added_tokens`).
struct AddedToken: Equatable {
    var content: String
    var id: Int
    /// Special tokens are dropped by `decode(skipSpecialTokens: true)`.
    var special: Bool
    /// Only match when not inside a word.
    var singleWord = false
    /// Absorb whitespace to the left / right of the match.
    var lstrip = false
    var rstrip = false
}

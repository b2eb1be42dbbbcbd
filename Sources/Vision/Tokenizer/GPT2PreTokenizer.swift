/// GPT-2's pre-tokenization split, written out by hand over Unicode scalars:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// as tokenizers' `ByteLevel` pre-tokenizer applies it (Oniguruma, alternatives tried in order at
/// each position, leftmost match). `\s` is Unicode White_Space, `\p{L}` and `\p{N}` the general
/// categories; the contractions are case-sensitive and ` ?` is U+0020 only. Every scalar starts
/// some alternative, so the pieces cover the text exactly.
enum GPT2PreTokenizer {
    private enum Class { case letter, number, space, other }

    private static func classify(_ s: Unicode.Scalar) -> Class {
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// Ranges of `text` (scalar indices) for each piece, in order.
    static func split(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        let n = text.count
        let classes = text.map(classify)
        var pieces: [Range<Int>] = []
        var i = 0
        while i < n {
            let end = match(text, classes, at: i)
            pieces.append(i..<end)
            i = end
        }
        return pieces
    }

    /// End of the match that starts at `i`.
    private static func match(_ text: [Unicode.Scalar], _ classes: [Class], at i: Int) -> Int {
        let n = text.count
        if text[i] == "'" {
            for c in contractions {
                let end = i + 1 + c.count
                if end <= n, Array(text[(i + 1)..<end]) == c { return end }
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: one optional U+0020, then a run of one class.
        let start = (text[i] == " " && i + 1 < n && classes[i + 1] != .space) ? i + 1 : i
        let cls = classes[start]
        if cls != .space {
            var end = start + 1
            while end < n, classes[end] == cls { end += 1 }
            return end
        }
        // `\s+(?!\S)` keeps the last space of a run for the word after it; `\s+` takes a lone one.
        var end = i + 1
        while end < n, classes[end] == .space { end += 1 }
        if end < n, end - i >= 2 { return end - 1 }
        return end
    }
}

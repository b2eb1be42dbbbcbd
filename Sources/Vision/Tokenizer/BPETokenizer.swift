import Foundation
import Synchronization

/// GPT-2's byte-level BPE tokenizer, matching `GPT2TokenizerFast` as transformers 4.40.2 /
/// tokenizers 0.19.1 load it with `AutoTokenizer.from_pretrained(directory)`.
///
/// `encode` splits out added tokens (leftmost-longest, special tokens first), pre-tokenizes with
/// the GPT-2 pattern (`GPT2PreTokenizer`), maps UTF-8 bytes to printable characters
/// (`ByteLevel`) and merges by rank. `decode` is tokenizers' ByteLevel decoder followed by
/// transformers' `clean_up_tokenization`. Immutable after `init` except for an encode cache
/// inside a `Mutex`, so one instance may be shared across threads.
public final class BPETokenizer: Sendable {
    private let vocab: [String: Int]
    /// Token text by id, for ids in the vocabulary or added tokens.
    private let tokens: [Int: String]
    private let ranks: [String: Int]
    private let unkID: Int?
    private let specialTokens: [AddedToken]
    private let otherAddedTokens: [AddedToken]
    private let specialIDs: Set<Int>
    private let addPrefixSpace: Bool
    private let prefixIDs: [Int]
    private let suffixIDs: [Int]
    /// transformers' `clean_up_tokenization_spaces` (default true in 4.40).
    public let cleanUpTokenizationSpaces: Bool
    /// BPE ids of words already merged.
    private let cache = Mutex<[String: [Int]]>([:])

    /// Loads `vocab.json` + `merges.txt` (or `tokenizer.json`) and the token settings of
    /// `tokenizer_config.json`, `special_tokens_map.json` and `added_tokens.json`; see
    /// `TokenizerFiles` for how they combine.
    ///
    /// - Throws: `TokenizerError` for missing files, a malformed merges.txt or an unsupported
    ///   `tokenizer.json`; `ModelJSONError` naming the file and field for a bad JSON value.
    public init(directory: URL) throws {
        let files = try TokenizerFiles(directory: directory)
        vocab = files.vocab
        var tokens: [Int: String] = [:]
        for (t, id) in files.vocab { tokens[id] = t }
        for t in files.added { tokens[t.id] = t.content }
        self.tokens = tokens
        var ranks: [String: Int] = [:]
        for (rank, (a, b)) in files.merges.enumerated() where ranks[a + " " + b] == nil { ranks[a + " " + b] = rank }
        self.ranks = ranks
        unkID = files.unkID
        specialTokens = files.added.filter(\.special)
        otherAddedTokens = files.added.filter { !$0.special }
        specialIDs = Set(specialTokens.map(\.id))
        addPrefixSpace = files.addPrefixSpace
        prefixIDs = files.prefixIDs
        suffixIDs = files.suffixIDs
        cleanUpTokenizationSpaces = files.cleanUpTokenizationSpaces
    }

    /// The id of `token` (an added token or a vocabulary entry), if any.
    public func id(of token: String) -> Int? {
        if let t = (specialTokens + otherAddedTokens).first(where: { $0.content == token }) { return t.id }
        return vocab[token]
    }

    // MARK: - Encode

    /// Token ids of `text`, as `tokenizer.encode(text)` gives them (the post-processor's
    /// template ids included when the tokenizer has one; plain GPT-2 has none).
    public func encode(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [Piece] = [.text(0..<scalars.count)]
        pieces = split(pieces, scalars, on: specialTokens)
        pieces = split(pieces, scalars, on: otherAddedTokens)
        var ids = prefixIDs
        for piece in pieces {
            switch piece {
            case .token(let id): ids.append(id)
            case .text(let range):
                var segment = Array(scalars[range])
                if addPrefixSpace, segment.first != " " { segment.insert(" ", at: 0) }
                for word in GPT2PreTokenizer.split(segment) {
                    var utf8 = String.UnicodeScalarView()
                    utf8.append(contentsOf: segment[word])
                    ids += bpe(ByteLevel.encode(String(utf8).utf8))
                }
            }
        }
        return ids + suffixIDs
    }

    private enum Piece {
        case text(Range<Int>)
        case token(Int)
    }

    /// Splits every text piece at matches of `added`: leftmost match first, longest among those
    /// starting there (tokenizers uses Aho-Corasick with `LeftmostLongest`), honouring
    /// `single_word`, `lstrip` and `rstrip`.
    private func split(_ pieces: [Piece], _ s: [Unicode.Scalar], on added: [AddedToken]) -> [Piece] {
        guard !added.isEmpty else { return pieces }
        let patterns = added.map { (Array($0.content.unicodeScalars), $0) }.filter { !$0.0.isEmpty }
        var out: [Piece] = []
        for piece in pieces {
            guard case .text(let range) = piece else { out.append(piece); continue }
            var start = range.lowerBound
            var i = range.lowerBound
            while i < range.upperBound {
                var best: (length: Int, token: AddedToken)?
                for (p, token) in patterns where p.count <= range.upperBound - i && p.count > (best?.length ?? 0) {
                    if s[i..<(i + p.count)].elementsEqual(p), wordBoundaries(s, range, i, i + p.count, token) {
                        best = (p.count, token)
                    }
                }
                guard let match = best else { i += 1; continue }
                var lo = i, hi = i + match.length
                if match.token.lstrip { while lo > start, s[lo - 1].properties.isWhitespace { lo -= 1 } }
                if match.token.rstrip { while hi < range.upperBound, s[hi].properties.isWhitespace { hi += 1 } }
                if lo > start { out.append(.text(start..<lo)) }
                out.append(.token(match.token.id))
                start = hi
                i = hi
            }
            if start < range.upperBound { out.append(.text(start..<range.upperBound)) }
        }
        return out
    }

    private func wordBoundaries(_ s: [Unicode.Scalar], _ range: Range<Int>, _ lo: Int, _ hi: Int, _ token: AddedToken) -> Bool {
        guard token.singleWord else { return true }
        func isWord(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" }
        return (lo == range.lowerBound || !isWord(s[lo - 1])) && (hi == range.upperBound || !isWord(s[hi]))
    }

    /// BPE over one pre-token (already byte-level characters): repeatedly merge the adjacent pair
    /// with the lowest rank, every occurrence left to right, until no pair has a rank.
    private func bpe(_ word: String) -> [Int] {
        if let hit = cache.withLock({ $0[word] }) { return hit }
        var symbols = word.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best = Int.max
            for k in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[k] + " " + symbols[k + 1]], r < best { best = r }
            }
            guard best != Int.max else { break }
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count, ranks[symbols[k] + " " + symbols[k + 1]] == best {
                    merged.append(symbols[k] + symbols[k + 1])
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        // A symbol missing from the vocabulary becomes unk if there is one, else is dropped, as
        // tokenizers' BPE does (GPT-2's vocabulary holds all 256 byte characters).
        let ids = symbols.compactMap { vocab[$0] ?? unkID }
        cache.withLock { $0[word] = ids }
        return ids
    }

    // MARK: - Decode

    /// Text of `ids`, exactly as transformers 4.40.2 `tokenizer.decode(ids,
    /// skip_special_tokens: skipSpecialTokens)` gives it for `GPT2TokenizerFast`:
    ///
    /// - ids that are neither in the vocabulary nor added tokens are dropped silently (tokenizers'
    ///   `id_to_token` returns None and `decode` filters it out); special tokens are dropped when
    ///   `skipSpecialTokens`;
    /// - each token's characters map back to bytes (a token containing a character outside the
    ///   byte map, such as an added `"\n"`, contributes its own UTF-8 bytes instead);
    /// - the bytes are decoded as UTF-8 with U+FFFD per maximal invalid subpart (`UTF8Lossy`);
    /// - `clean_up_tokenization` then removes the space before `. ? ! ,` and English contractions,
    ///   when `cleanUpTokenizationSpaces` (nil: the tokenizer's setting) is true.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true, cleanUpTokenizationSpaces: Bool? = nil) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            guard let token = tokens[id] else { continue }
            if skipSpecialTokens, specialIDs.contains(id) { continue }
            var tokenBytes: [UInt8] = []
            var mapped = true
            for c in token.unicodeScalars {
                guard let b = ByteLevel.bytes[c] else { mapped = false; break }
                tokenBytes.append(b)
            }
            bytes += mapped ? tokenBytes : Array(token.utf8)
        }
        let text = UTF8Lossy.decode(bytes)
        return cleanUpTokenizationSpaces ?? self.cleanUpTokenizationSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// transformers' `PreTrainedTokenizerBase.clean_up_tokenization`: these `str.replace` calls,
    /// in this order, each over the whole string.
    static func cleanUpTokenization(_ text: String) -> String {
        var s = text
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            s = replaceScalars(s, from, to)
        }
        return s
    }

    /// Python's `str.replace` over code points (Swift's String replacement compares grapheme
    /// clusters, which would miss " ." when the dot carries a combining mark).
    private static func replaceScalars(_ s: String, _ from: String, _ to: String) -> String {
        let hay = Array(s.unicodeScalars), needle = Array(from.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < hay.count {
            if i + needle.count <= hay.count, hay[i..<(i + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: to.unicodeScalars)
                i += needle.count
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return String(out)
    }
}

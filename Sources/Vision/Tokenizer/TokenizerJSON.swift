/// The shapes of the tokenizer files `TokenizerFiles` reads, decoded through `ModelJSON` so that
/// a wrong value is reported with its file and field path. Only the fields that change what is
/// computed are declared; the others are ignored, as transformers ignores what it does not know.
enum TokenizerJSON {
    /// A special token as `tokenizer_config.json` and `special_tokens_map.json` write it: a
    /// string, or an `AddedToken` object (`{"content": ..., "lstrip": ..., "__type": "AddedToken"}`).
    struct SpecialToken: Decodable, Equatable {
        var content: String
        var entry = TokenEntry(content: "")

        init(content: String) { self.content = content }

        /// The token to register for a role: always special, with the object's matching flags.
        var token: AddedToken {
            AddedToken(content: content, id: -1, special: true, singleWord: entry.singleWord ?? false,
                       lstrip: entry.lstrip ?? false, rstrip: entry.rstrip ?? false)
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) {
                content = s
            } else if (try? c.decode([String: ModelJSONValue].self)) != nil {
                entry = try c.decode(TokenEntry.self)
                content = entry.content
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "a token string or an AddedToken object")
            }
        }
    }

    /// One `added_tokens` / `added_tokens_decoder` object of the tokenizers library.
    struct TokenEntry: Decodable, Equatable {
        var content: String
        var id: Int?
        var special: Bool?
        var singleWord: Bool?
        var lstrip: Bool?
        var rstrip: Bool?

        init(content: String) { self.content = content }

        enum CodingKeys: String, CodingKey {
            case content, id, special, singleWord = "single_word", lstrip, rstrip
        }

        func token(id: Int, special defaultSpecial: Bool) -> AddedToken {
            AddedToken(content: content, id: id, special: special ?? defaultSpecial, singleWord: singleWord ?? false,
                       lstrip: lstrip ?? false, rstrip: rstrip ?? false)
        }
    }

    /// `tokenizer_config.json` and `special_tokens_map.json` (the latter holds only the roles).
    struct Config: Decodable {
        static let roleKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

        var addPrefixSpace: Bool?
        var addBOSToken: Bool?
        var cleanUpTokenizationSpaces: Bool?
        var addedTokensDecoder: [String: TokenEntry]?
        /// The roles the file names, in `roleKeys`; a role set to null is present with nil (it
        /// removes GPT2Tokenizer's default for that role).
        var roles: [String: SpecialToken?] = [:]
        /// `additional_special_tokens` when the file has the key (nil inside when it is null).
        var additionalSpecialTokens: [SpecialToken]??

        init() {}

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ s: String) { stringValue = s }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            addPrefixSpace = try c.decodeIfPresent(Bool.self, forKey: Key("add_prefix_space"))
            addBOSToken = try c.decodeIfPresent(Bool.self, forKey: Key("add_bos_token"))
            cleanUpTokenizationSpaces = try c.decodeIfPresent(Bool.self, forKey: Key("clean_up_tokenization_spaces"))
            addedTokensDecoder = try c.decodeIfPresent([String: TokenEntry].self, forKey: Key("added_tokens_decoder"))
            for role in Self.roleKeys where c.contains(Key(role)) {
                roles.updateValue(try c.decodeIfPresent(SpecialToken.self, forKey: Key(role)), forKey: role)
            }
            let additional = Key("additional_special_tokens")
            if c.contains(additional) { additionalSpecialTokens = .some(try c.decodeIfPresent([SpecialToken].self, forKey: additional)) }
        }
    }

    /// `tokenizer.json` of the tokenizers library: a BPE model and the pipeline around it.
    struct File: Decodable {
        var model: Model
        /// Any normalizer is refused; only whether there is one matters.
        var normalizer: ModelJSONValue?
        var preTokenizer: Component?
        var decoder: Component?
        var postProcessor: PostProcessor?
        var addedTokens: [TokenEntry]?

        enum CodingKeys: String, CodingKey {
            case model, normalizer, decoder
            case preTokenizer = "pre_tokenizer", postProcessor = "post_processor", addedTokens = "added_tokens"
        }
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int]
        var merges: [Merge]?
        var unkToken: String?
        var continuingSubwordPrefix: String?
        var endOfWordSuffix: String?
        var dropout: Double?

        enum CodingKeys: String, CodingKey {
            case type, vocab, merges, dropout
            case unkToken = "unk_token", continuingSubwordPrefix = "continuing_subword_prefix"
            case endOfWordSuffix = "end_of_word_suffix"
        }
    }

    /// A merge: `"a b"` (tokenizers <= 0.19) or `["a", "b"]` (>= 0.20).
    struct Merge: Decodable {
        var left: String, right: String

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            let parts: [String]
            if let s = try? c.decode(String.self) {
                parts = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                parts = try c.decode([String].self)
            }
            guard parts.count == 2 else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "a pair \"a b\" or [\"a\", \"b\"]")
            }
            (left, right) = (parts[0], parts[1])
        }
    }

    /// A pre-tokenizer or decoder: its type, and the pieces of a `Sequence`.
    struct Component: Decodable {
        var type: String?
        var useRegex: Bool?
        var pretokenizers: [Component]?

        enum CodingKeys: String, CodingKey {
            case type, pretokenizers, useRegex = "use_regex"
        }
    }

    /// `ByteLevel`, or `TemplateProcessing` with `single` pieces and the ids of each named token.
    struct PostProcessor: Decodable {
        var type: String?
        var single: [TemplatePiece]?
        var specialTokens: [String: TemplateToken]?

        enum CodingKeys: String, CodingKey {
            case type, single, specialTokens = "special_tokens"
        }
    }

    /// `{"Sequence": {"id": "A"}}` or `{"SpecialToken": {"id": "<s>"}}`.
    struct TemplatePiece: Decodable {
        struct Reference: Decodable { var id: String }
        var sequence: Reference?
        var specialToken: Reference?

        enum CodingKeys: String, CodingKey {
            case sequence = "Sequence", specialToken = "SpecialToken"
        }
    }

    struct TemplateToken: Decodable {
        var ids: [Int]
    }
}

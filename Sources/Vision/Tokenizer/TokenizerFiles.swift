import Foundation

/// Everything `BPETokenizer` needs from a Hugging Face tokenizer directory, resolved the way
/// `AutoTokenizer.from_pretrained` (transformers 4.40) builds a `GPT2TokenizerFast` from it.
///
/// - Vocabulary and merges: `vocab.json` + `merges.txt` (converted like `GPT2Converter`), else
///   the BPE model of `tokenizer.json`.
/// - Added tokens, in the order transformers registers them with the Rust `AddedVocabulary`:
///   `tokenizer.json` `added_tokens`; then `tokenizer_config.json` `added_tokens_decoder` and
///   `added_tokens.json` by id; then the special tokens (`bos`, `eos`, `unk`, `sep`, `pad`, `cls`,
///   `mask`, `additional_special_tokens`; `special_tokens_map.json` overriding
///   `tokenizer_config.json`, and `GPT2Tokenizer`'s default `<|endoftext|>` for bos/eos/unk).
///   A token already in the vocabulary keeps its id; a new one gets the next free id.
/// - `add_prefix_space` comes from `tokenizer_config.json` (default false), which
///   `GPT2TokenizerFast.__init__` also forces onto a `tokenizer.json` pre-tokenizer.
/// - `clean_up_tokenization_spaces` defaults to true in transformers 4.40.
struct TokenizerFiles {
    var vocab: [String: Int] = [:]
    /// Merge pairs in rank order.
    var merges: [(String, String)] = []
    var added: [AddedToken] = []
    var unkID: Int?
    var addPrefixSpace = false
    /// Ids the post-processor puts around a single sequence (`TemplateProcessing`).
    var prefixIDs: [Int] = []
    var suffixIDs: [Int] = []
    var cleanUpTokenizationSpaces = true

    init(directory: URL) throws {
        let fm = FileManager.default
        func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func exists(_ name: String) -> Bool { fm.fileExists(atPath: url(name).path) }
        func read(_ name: String) throws -> TokenizerJSON.Config {
            exists(name) ? try ModelJSON.decode(TokenizerJSON.Config.self, from: url(name)) : TokenizerJSON.Config()
        }

        let config = try read("tokenizer_config.json")
        let specialMap = try read("special_tokens_map.json")
        addPrefixSpace = config.addPrefixSpace ?? false
        cleanUpTokenizationSpaces = config.cleanUpTokenizationSpaces ?? true

        // Special tokens by role, GPT2Tokenizer's defaults first; a role set to null drops it.
        let gpt2Default = TokenizerJSON.SpecialToken(content: "<|endoftext|>")
        var roles: [String: TokenizerJSON.SpecialToken?] = ["bos_token": gpt2Default, "eos_token": gpt2Default,
                                                             "unk_token": gpt2Default]
        var additional: [TokenizerJSON.SpecialToken] = []
        for source in [config, specialMap] {
            roles.merge(source.roles) { _, new in new }
            if let list = source.additionalSpecialTokens { additional = list ?? [] }
        }

        var addBOS = false
        if exists("vocab.json") && exists("merges.txt") {
            try setVocab(ModelJSON.decode([String: Int].self, from: url("vocab.json")), file: url("vocab.json").path, path: "")
            try readMerges(url("merges.txt"))
            addBOS = config.addBOSToken ?? false
        } else if exists("tokenizer.json") {
            try readTokenizerJSON(url("tokenizer.json"))
        } else {
            throw TokenizerError.missingFiles(directory: directory.path)
        }

        // added_tokens_decoder and added_tokens.json, by id.
        var byID: [(Int, AddedToken)] = []
        for (key, entry) in config.addedTokensDecoder ?? [:] {
            guard let id = Int(key) else {
                throw ModelJSON.invalid(url("tokenizer_config.json").path, "added_tokens_decoder",
                                        expected: "token ids as keys", found: .string(key))
            }
            byID.append((id, entry.token(id: id, special: false)))
        }
        if exists("added_tokens.json") {
            for (content, id) in try ModelJSON.decode([String: Int].self, from: url("added_tokens.json"))
            where !byID.contains(where: { $0.0 == id }) {
                byID.append((id, AddedToken(content: content, id: id, special: false)))
            }
        }
        for (_, token) in byID.sorted(by: { $0.0 < $1.0 }) { register(token) }

        var specialTokens: [AddedToken] = []
        for role in TokenizerJSON.Config.roleKeys {
            if case let token?? = roles[role] { specialTokens.append(token.token) }
        }
        specialTokens += additional.map(\.token)
        // A role naming an already registered token leaves it as it is, as transformers does.
        for token in specialTokens { register(token) }

        if addBOS, let bos = specialTokens.first, let id = id(of: bos.content) {
            prefixIDs = [id]
        }
    }

    /// The id of `content` among added tokens, then the vocabulary.
    func id(of content: String) -> Int? {
        added.first(where: { $0.content == content })?.id ?? vocab[content]
    }

    /// Adds `token` unless its content is registered; its id is the vocabulary's, else the next
    /// free one (tokenizers' `AddedVocabulary::add_tokens`).
    private mutating func register(_ token: AddedToken) {
        guard !added.contains(where: { $0.content == token.content }) else { return }
        var t = token
        if let id = vocab[t.content] {
            t.id = id
        } else {
            let maxAdded = added.map(\.id).max() ?? -1
            t.id = max(vocab.count, maxAdded + 1)
        }
        added.append(t)
    }

    // MARK: - Files

    /// `path` is where the vocabulary sits in `file` (empty for vocab.json itself).
    private mutating func setVocab(_ object: [String: Int], file: String, path: String) throws {
        if let (token, id) = object.first(where: { $0.value < 0 }) {
            throw ModelJSON.invalid(file, path.isEmpty ? token : path + "." + token,
                                    expected: "a non-negative token id", found: .int(id))
        }
        vocab = object
    }

    /// `merges.txt` exactly as `GPT2Tokenizer` reads it: `read().split("\n")[1:-1]` (the first
    /// line is the `#version` header and the last is the empty string after the final newline),
    /// each line split on whitespace; a repeated pair keeps its first position.
    private mutating func readMerges(_ url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TokenizerError.invalidFile(url.path, reason: "cannot read as UTF-8")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2 else { return }
        var seen = Set<String>()
        for (n, line) in lines[1..<(lines.count - 1)].enumerated() {
            let parts = line.split(whereSeparator: { $0.isWhitespace })
            guard parts.count == 2 else {
                throw TokenizerError.invalidFile(url.path, reason: "line \(n + 2) is not a pair of tokens")
            }
            guard seen.insert(parts[0] + " " + parts[1]).inserted else { continue }
            merges.append((String(parts[0]), String(parts[1])))
        }
    }

    private mutating func readTokenizerJSON(_ url: URL) throws {
        let file = url.path
        let json = try ModelJSON.decode(TokenizerJSON.File.self, from: url)
        let model = json.model
        let type = model.type ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(file, feature: "model type \(type)") }
        try setVocab(model.vocab, file: file, path: "model.vocab")
        for (key, value) in [("continuing_subword_prefix", model.continuingSubwordPrefix), ("end_of_word_suffix", model.endOfWordSuffix)] {
            if let s = value, !s.isEmpty { throw TokenizerError.unsupported(file, feature: "BPE \(key) \"\(s)\"") }
        }
        if let dropout = model.dropout, dropout > 0 { throw TokenizerError.unsupported(file, feature: "BPE dropout") }
        if let unk = model.unkToken { unkID = vocab[unk] }
        merges = (model.merges ?? []).map { ($0.left, $0.right) }
        if let normalizer = json.normalizer, normalizer != .null {
            var name = "\(normalizer)"
            if case .object(let o) = normalizer, case .string(let type)? = o["type"] { name = type }
            throw TokenizerError.unsupported(file, feature: "normalizer \(name)")
        }
        guard let pre = json.preTokenizer else {
            throw TokenizerError.unsupported(file, feature: "no pre_tokenizer (byte-level BPE needs ByteLevel)")
        }
        let steps = pre.type == "Sequence" ? (pre.pretokenizers ?? []) : [pre]
        guard steps.count == 1, steps[0].type == "ByteLevel", steps[0].useRegex ?? true else {
            throw TokenizerError.unsupported(file, feature: "a pre_tokenizer other than ByteLevel with the GPT-2 regex")
        }
        if let decoder = json.decoder, decoder.type != "ByteLevel" {
            throw TokenizerError.unsupported(file, feature: "decoder \(decoder.type ?? "?")")
        }
        if let post = json.postProcessor {
            switch post.type {
            case "ByteLevel": break
            case "TemplateProcessing": try readTemplate(post, file: file)
            default: throw TokenizerError.unsupported(file, feature: "post_processor \(post.type ?? "?")")
            }
        }
        for (i, entry) in (json.addedTokens ?? []).enumerated() {
            guard let id = entry.id else { throw ModelJSONError.missingField(file: file, path: "added_tokens[\(i)].id") }
            added.append(entry.token(id: id, special: false))
        }
    }

    /// `single: [{SpecialToken: {id}}, {Sequence: {id: "A"}}, ...]` with `special_tokens`
    /// mapping each name to its ids.
    private mutating func readTemplate(_ post: TokenizerJSON.PostProcessor, file: String) throws {
        guard let single = post.single else { throw ModelJSONError.missingField(file: file, path: "post_processor.single") }
        var seenSequence = false
        for (i, piece) in single.enumerated() {
            if piece.sequence != nil {
                seenSequence = true
            } else if let name = piece.specialToken?.id, let ids = post.specialTokens?[name]?.ids {
                if seenSequence { suffixIDs += ids } else { prefixIDs += ids }
            } else {
                throw ModelJSONError.invalidField(file: file, path: "post_processor.single[\(i)]",
                                                  expected: "a Sequence, or a SpecialToken listed in special_tokens",
                                                  found: piece.specialToken.map { "SpecialToken \($0.id)" } ?? "neither")
            }
        }
    }
}

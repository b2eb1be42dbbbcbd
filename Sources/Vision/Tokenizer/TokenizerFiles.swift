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

    private static let specialKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    init(directory: URL) throws {
        let fm = FileManager.default
        func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
        func exists(_ name: String) -> Bool { fm.fileExists(atPath: url(name).path) }

        let config = try exists("tokenizer_config.json") ? Self.object(url("tokenizer_config.json")) : [:]
        let specialMap = try exists("special_tokens_map.json") ? Self.object(url("special_tokens_map.json")) : [:]
        addPrefixSpace = config["add_prefix_space"] as? Bool ?? false
        cleanUpTokenizationSpaces = config["clean_up_tokenization_spaces"] as? Bool ?? true

        // Special tokens by role, GPT2Tokenizer's defaults first.
        var specials: [String: Any] = ["bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"]
        for source in [config, specialMap] {
            for key in Self.specialKeys + ["additional_special_tokens"] {
                if let v = source[key] { specials[key] = v }
            }
        }

        var addBOS = false
        if exists("vocab.json") && exists("merges.txt") {
            try readVocab(url("vocab.json"))
            try readMerges(url("merges.txt"))
            addBOS = config["add_bos_token"] as? Bool ?? false
        } else if exists("tokenizer.json") {
            try readTokenizerJSON(url("tokenizer.json"))
        } else {
            throw TokenizerError.missingFiles(directory: directory.path)
        }

        // added_tokens_decoder and added_tokens.json, by id.
        var byID: [(Int, AddedToken)] = []
        if let decoder = config["added_tokens_decoder"] as? [String: Any] {
            for (key, value) in decoder {
                guard let id = Int(key), let entry = value as? [String: Any], let content = entry["content"] as? String else {
                    throw TokenizerError.invalidFile(url("tokenizer_config.json").path, reason: "added_tokens_decoder entry \(key) is malformed")
                }
                byID.append((id, Self.addedToken(content, id: id, entry, special: entry["special"] as? Bool ?? false)))
            }
        }
        if exists("added_tokens.json") {
            let path = url("added_tokens.json")
            for (content, value) in try Self.object(path) {
                guard let id = value as? Int else { throw TokenizerError.invalidFile(path.path, reason: "id of \(content) is not an integer") }
                if !byID.contains(where: { $0.0 == id }) {
                    byID.append((id, AddedToken(content: content, id: id, special: false)))
                }
            }
        }
        for (_, token) in byID.sorted(by: { $0.0 < $1.0 }) { register(token) }

        var specialTokens: [AddedToken] = []
        func special(_ value: Any?) {
            if let s = value as? String {
                specialTokens.append(AddedToken(content: s, id: -1, special: true))
            } else if let d = value as? [String: Any], let s = d["content"] as? String {
                specialTokens.append(Self.addedToken(s, id: -1, d, special: true))
            }
        }
        for key in Self.specialKeys { special(specials[key]) }
        if let extra = specials["additional_special_tokens"] as? [Any] { extra.forEach(special) }
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

    private static func addedToken(_ content: String, id: Int, _ entry: [String: Any], special: Bool) -> AddedToken {
        AddedToken(content: content, id: id, special: special,
                   singleWord: entry["single_word"] as? Bool ?? false,
                   lstrip: entry["lstrip"] as? Bool ?? false,
                   rstrip: entry["rstrip"] as? Bool ?? false)
    }

    // MARK: - Files

    private static func object(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.invalidFile(url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: data) else {
            throw TokenizerError.invalidFile(url.path, reason: "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw TokenizerError.invalidFile(url.path, reason: "not a JSON object")
        }
        return object
    }

    private mutating func readVocab(_ url: URL) throws {
        try setVocab(Self.object(url), file: url.path)
    }

    private mutating func setVocab(_ object: [String: Any], file: String) throws {
        vocab.reserveCapacity(object.count)
        for (token, value) in object {
            guard let id = value as? Int, id >= 0 else { throw TokenizerError.invalidFile(file, reason: "id of token \(token) is not a non-negative integer") }
            vocab[token] = id
        }
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
        let json = try Self.object(url)
        guard let model = json["model"] as? [String: Any] else { throw TokenizerError.invalidFile(file, reason: "no model object") }
        let type = model["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw TokenizerError.unsupported(file, feature: "model type \(type)") }
        guard let v = model["vocab"] as? [String: Any] else { throw TokenizerError.invalidFile(file, reason: "model has no vocab") }
        try setVocab(v, file: file)
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key] as? String, !s.isEmpty { throw TokenizerError.unsupported(file, feature: "BPE \(key) \"\(s)\"") }
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 { throw TokenizerError.unsupported(file, feature: "BPE dropout") }
        if let unk = model["unk_token"] as? String { unkID = vocab[unk] }
        for (n, merge) in (model["merges"] as? [Any] ?? []).enumerated() {
            // "a b" (tokenizers <= 0.19) or ["a", "b"] (>= 0.20).
            if let s = merge as? String {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw TokenizerError.invalidFile(file, reason: "merge \(n) is not a pair: \(s)") }
                merges.append((String(parts[0]), String(parts[1])))
            } else if let pair = merge as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw TokenizerError.invalidFile(file, reason: "merge \(n) is not a pair")
            }
        }
        if let normalizer = json["normalizer"] as? [String: Any] {
            throw TokenizerError.unsupported(file, feature: "normalizer \(normalizer["type"] as? String ?? "?")")
        }
        if let pre = json["pre_tokenizer"] as? [String: Any] {
            let steps = pre["type"] as? String == "Sequence" ? (pre["pretokenizers"] as? [[String: Any]] ?? []) : [pre]
            guard steps.count == 1, steps[0]["type"] as? String == "ByteLevel", steps[0]["use_regex"] as? Bool ?? true else {
                throw TokenizerError.unsupported(file, feature: "a pre_tokenizer other than ByteLevel with the GPT-2 regex")
            }
        } else {
            throw TokenizerError.unsupported(file, feature: "no pre_tokenizer (byte-level BPE needs ByteLevel)")
        }
        if let decoder = json["decoder"] as? [String: Any], decoder["type"] as? String != "ByteLevel" {
            throw TokenizerError.unsupported(file, feature: "decoder \(decoder["type"] as? String ?? "?")")
        }
        if let post = json["post_processor"] as? [String: Any] {
            switch post["type"] as? String {
            case "ByteLevel": break
            case "TemplateProcessing":
                try readTemplate(post, file: file)
            default:
                throw TokenizerError.unsupported(file, feature: "post_processor \(post["type"] as? String ?? "?")")
            }
        }
        for case let entry as [String: Any] in json["added_tokens"] as? [Any] ?? [] {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw TokenizerError.invalidFile(file, reason: "added_tokens entry without content and id")
            }
            added.append(Self.addedToken(content, id: id, entry, special: entry["special"] as? Bool ?? false))
        }
    }

    /// `single: [{SpecialToken: {id}}, {Sequence: {id: "A"}}, ...]` with `special_tokens`
    /// mapping each name to its ids.
    private mutating func readTemplate(_ post: [String: Any], file: String) throws {
        guard let single = post["single"] as? [[String: Any]] else { throw TokenizerError.invalidFile(file, reason: "TemplateProcessing without single") }
        let table = post["special_tokens"] as? [String: Any] ?? [:]
        var seenSequence = false
        for piece in single {
            if piece["Sequence"] != nil {
                seenSequence = true
            } else if let s = piece["SpecialToken"] as? [String: Any], let name = s["id"] as? String,
                      let entry = table[name] as? [String: Any], let ids = entry["ids"] as? [Int] {
                if seenSequence { suffixIDs += ids } else { prefixIDs += ids }
            } else {
                throw TokenizerError.invalidFile(file, reason: "TemplateProcessing piece is malformed")
            }
        }
    }
}

import Foundation

/// Decoding parameters with transformers 4.40.2 `GenerationConfig` defaults and resolution rules.
///
/// Resolution (`init(directory:)`) follows `PreTrainedModel.from_pretrained` + `generate`:
/// 1. With `generation_config.json`, it is the configuration; absent keys take
///    `GenerationConfig.__init__` defaults (config.json is *not* merged in) — except for the
///    legacy rule of `_prepare_generation_config`: if that file says `"_from_model_config": true`
///    and config.json sets any top-level generation parameter to a non-default value, the
///    configuration is rebuilt from config.json instead.
/// 2. Without it, `GenerationConfig.from_model_config(config.json)`: top-level keys first, then any
///    attribute still at its default is copied from the `decoder` sub-config (whose GPT-2 defaults
///    include `bos_token_id` = `eos_token_id` = 50256).
/// Per-call changes go through `update(_:)` / `applying(_:)` like `generate(**kwargs)`.
public struct GenerationConfig: Sendable, Equatable {
    /// `early_stopping`: `False` (heuristic), `True` (stop once `num_beams` hypotheses finished),
    /// or `"never"` (only stop when no better hypothesis is possible).
    public enum EarlyStopping: Sendable, Equatable { case heuristic, immediate, never }

    public var maxLength = 20
    public var maxNewTokens: Int?
    public var minLength = 0
    public var minNewTokens: Int?
    public var earlyStopping = EarlyStopping.heuristic
    public var doSample = false
    public var numBeams = 1
    public var repetitionPenalty = 1.0
    public var lengthPenalty = 1.0
    public var noRepeatNgramSize = 0
    public var padTokenID: Int?
    public var bosTokenID: Int?
    /// `eos_token_id`, an int or a list in the JSON.
    public var eosTokenIDs: [Int]?
    public var decoderStartTokenID: Int?
    /// Options set to values this engine does not implement (sampling, groups, constraints,
    /// other logits processors...). `generate` refuses rather than silently ignoring them.
    public private(set) var unsupportedOptions: Set<String> = []
    private var penaltyAlpha: Double?
    private var topK: Int? = 50

    public init() {}

    // MARK: Loading

    /// The generation configuration of a Hugging Face model directory (see the type comment).
    public init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let top = try Self.readJSON(configURL, required: true)!
        let genURL = directory.appendingPathComponent("generation_config.json")
        if let gen = try Self.readJSON(genURL, required: false) {
            let fromModel = (gen["_from_model_config"] as? Bool) ?? false
            if fromModel && Self.hasNonDefaultLegacyParameters(top) {
                try self.init(modelConfig: top)
            } else {
                self.init()
                do { try update(gen) } catch let e as GenerationError {
                    throw GenerationError.invalidFile(genURL.path, reason: e.description)
                }
            }
        } else {
            try self.init(modelConfig: top)
        }
    }

    /// `GenerationConfig.from_model_config` for a parsed `config.json`.
    public init(modelConfig top: [String: Any]) throws {
        var merged: [String: Any] = [:]
        for (k, v) in top where Self.attributeDefaults[k] != nil { merged[k] = v }
        var decoder = (top["decoder"] as? [String: Any]) ?? [:]
        // GPT2Config.__init__ defaults that differ from GenerationConfig's.
        if decoder["bos_token_id"] == nil { decoder["bos_token_id"] = 50256 }
        if decoder["eos_token_id"] == nil { decoder["eos_token_id"] = 50256 }
        for (k, v) in decoder {
            guard let def = Self.attributeDefaults[k] else { continue }
            if Self.jsonEqual(merged[k] ?? def, def) { merged[k] = v }
        }
        self.init()
        try update(merged)
    }

    /// Every `GenerationConfig.__init__` attribute with its default (`NSNull` for None).
    static var attributeDefaults: [String: Any] { [
        "max_length": 20, "max_new_tokens": NSNull(), "min_length": 0, "min_new_tokens": NSNull(),
        "early_stopping": false, "max_time": NSNull(), "do_sample": false, "num_beams": 1,
        "num_beam_groups": 1, "penalty_alpha": NSNull(), "use_cache": true, "temperature": 1.0,
        "top_k": 50, "top_p": 1.0, "typical_p": 1.0, "epsilon_cutoff": 0.0, "eta_cutoff": 0.0,
        "diversity_penalty": 0.0, "repetition_penalty": 1.0, "encoder_repetition_penalty": 1.0,
        "length_penalty": 1.0, "no_repeat_ngram_size": 0, "bad_words_ids": NSNull(),
        "force_words_ids": NSNull(), "renormalize_logits": false, "constraints": NSNull(),
        "forced_bos_token_id": NSNull(), "forced_eos_token_id": NSNull(), "remove_invalid_values": false,
        "exponential_decay_length_penalty": NSNull(), "suppress_tokens": NSNull(),
        "begin_suppress_tokens": NSNull(), "forced_decoder_ids": NSNull(), "sequence_bias": NSNull(),
        "guidance_scale": NSNull(), "low_memory": NSNull(), "num_return_sequences": 1,
        "output_attentions": false, "output_hidden_states": false, "output_scores": false,
        "output_logits": NSNull(), "return_dict_in_generate": false, "pad_token_id": NSNull(),
        "bos_token_id": NSNull(), "eos_token_id": NSNull(), "encoder_no_repeat_ngram_size": 0,
        "decoder_start_token_id": NSNull(), "num_assistant_tokens": 5,
        "num_assistant_tokens_schedule": "heuristic", "cache_implementation": NSNull(),
        "prompt_lookup_num_tokens": NSNull(), "max_matching_ngram_size": NSNull(),
    ] }

    /// `PretrainedConfig._get_generation_defaults()`: the top-level config.json parameters whose
    /// non-default values trigger the legacy rebuild from the model config.
    static var legacyParameterDefaults: [String: Any] { [
        "max_length": 20, "min_length": 0, "do_sample": false, "early_stopping": false, "num_beams": 1,
        "num_beam_groups": 1, "diversity_penalty": 0.0, "temperature": 1.0, "top_k": 50, "top_p": 1.0,
        "typical_p": 1.0, "repetition_penalty": 1.0, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
        "encoder_no_repeat_ngram_size": 0, "bad_words_ids": NSNull(), "num_return_sequences": 1,
        "output_scores": false, "return_dict_in_generate": false, "forced_bos_token_id": NSNull(),
        "forced_eos_token_id": NSNull(), "remove_invalid_values": false,
        "exponential_decay_length_penalty": NSNull(), "suppress_tokens": NSNull(), "begin_suppress_tokens": NSNull(),
    ] }

    static func hasNonDefaultLegacyParameters(_ top: [String: Any]) -> Bool {
        legacyParameterDefaults.contains { k, def in top[k].map { !jsonEqual($0, def) } ?? false }
    }

    /// Python `==` on JSON values, as far as config files need it (None, bool/number, str, lists).
    static func jsonEqual(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case (is NSNull, is NSNull): return true
        case (is NSNull, _), (_, is NSNull): return false
        case let (x as String, y as String): return x == y
        case let (x as [Any], y as [Any]): return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
        case let (x as NSNumber, y as NSNumber): return x.doubleValue == y.doubleValue
        case let (x as Bool, y as Bool): return x == y
        case let (x as Int, y as Int): return x == y
        case let (x as Double, y as Double): return x == y
        case let (x as Bool, y as Int), let (y as Int, x as Bool): return (x ? 1 : 0) == y
        case let (x as Int, y as Double), let (y as Double, x as Int): return Double(x) == y
        default: return false
        }
    }

    static func readJSON(_ url: URL, required: Bool) throws -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if required { throw CheckpointError.missingFile(url.path) }
            return nil
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw GenerationError.invalidFile(url.path, reason: "not a JSON object")
        }
        return dict
    }

    // MARK: Updating

    /// Like `GenerationConfig.update(**kwargs)` followed by `validate()`: known attributes are set,
    /// unknown keys ignored. Values of the wrong type are errors naming the key.
    /// On error the configuration is left unchanged.
    public mutating func update(_ values: [String: Any]) throws {
        var c = self
        for key in values.keys.sorted() { try c.set(key, values[key]!) }
        if let m = c.maxNewTokens, m <= 0 {
            throw GenerationError.invalidOption(name: "max_new_tokens", reason: "must be greater than 0, is \(m)")
        }
        self = c
    }

    /// The configuration with the non-nil overrides applied (`generate(num_beams=..., ...)`).
    ///
    /// As in transformers, a `max_new_tokens` (from the files or the overrides) takes precedence
    /// over any `max_length`.
    public func applying(_ o: GenerationOverrides) throws -> GenerationConfig {
        var c = self
        var kw: [String: Any] = [:]
        if let v = o.numBeams { kw["num_beams"] = v }
        if let v = o.maxLength { kw["max_length"] = v }
        if let v = o.maxNewTokens { kw["max_new_tokens"] = v }
        try c.update(kw)
        return c
    }

    private mutating func set(_ key: String, _ raw: Any) throws {
        let value: Any? = raw is NSNull ? nil : raw
        func int() throws -> Int? {
            guard let v = value else { return nil }
            if let n = v as? Int { return n }
            throw GenerationError.invalidOption(name: key, reason: "expected an integer, found \(v)")
        }
        func requiredInt() throws -> Int {
            guard let v = try int() else { throw GenerationError.invalidOption(name: key, reason: "must not be null") }
            return v
        }
        func double() throws -> Double {
            guard let v = value, let d = (v as? NSNumber)?.doubleValue else {
                throw GenerationError.invalidOption(name: key, reason: "expected a number, found \(value ?? "null")")
            }
            return d
        }
        func bool() throws -> Bool {
            guard let v = value as? Bool else {
                throw GenerationError.invalidOption(name: key, reason: "expected true or false, found \(value ?? "null")")
            }
            return v
        }
        func mark(_ unsupported: Bool) {
            if unsupported { unsupportedOptions.insert(key) } else { unsupportedOptions.remove(key) }
        }
        switch key {
        case "max_length": maxLength = try requiredInt()
        case "max_new_tokens": maxNewTokens = try int()
        case "min_length": minLength = try requiredInt()
        case "min_new_tokens": minNewTokens = try int()
        case "early_stopping":
            if let s = value as? String, s == "never" { earlyStopping = .never }
            else if let b = value as? Bool { earlyStopping = b ? .immediate : .heuristic }
            else {
                throw GenerationError.invalidOption(name: key, reason: "must be a boolean or \"never\", is \(value ?? "null")")
            }
        case "do_sample":
            doSample = try bool()
            mark(doSample)
        case "num_beams":
            numBeams = try int() ?? 1
            if numBeams < 1 { throw GenerationError.invalidOption(name: key, reason: "must be at least 1, is \(numBeams)") }
        case "repetition_penalty":
            repetitionPenalty = try double()
            if !(repetitionPenalty > 0) {
                throw GenerationError.invalidOption(name: key, reason: "must be a strictly positive float, is \(repetitionPenalty)")
            }
        case "length_penalty": lengthPenalty = try double()
        case "no_repeat_ngram_size":
            noRepeatNgramSize = try int() ?? 0
        case "pad_token_id": padTokenID = try int()
        case "bos_token_id": bosTokenID = try int()
        case "decoder_start_token_id":
            if let list = value as? [Int] {
                // A list must have one entry per batch row; a caption is one row.
                guard list.count == 1 else {
                    throw GenerationError.invalidOption(name: key, reason: "a list must have length 1 (the batch size), has \(list.count)")
                }
                decoderStartTokenID = list[0]
            } else { decoderStartTokenID = try int() }
        case "eos_token_id":
            if value == nil { eosTokenIDs = nil }
            else if let list = value as? [Int] { eosTokenIDs = list }
            else { eosTokenIDs = [try requiredInt()] }
        case "num_return_sequences": mark((try int() ?? 1) != 1)
        case "num_beam_groups": mark((try int() ?? 1) > 1)
        case "penalty_alpha":
            penaltyAlpha = value == nil ? nil : try double()
            markContrastive()
        case "top_k":
            topK = try int()
            markContrastive()
        case "diversity_penalty": mark(try value.map { _ in try double() > 0 } ?? false)
        case "encoder_repetition_penalty": mark(try value.map { _ in try double() != 1 } ?? false)
        case "encoder_no_repeat_ngram_size": mark((try int() ?? 0) > 0)
        case "guidance_scale": mark(try value.map { _ in try double() != 1 } ?? false)
        case "remove_invalid_values", "renormalize_logits": mark((value as? Bool) ?? false)
        case "bad_words_ids", "force_words_ids", "constraints", "forced_bos_token_id", "forced_eos_token_id",
             "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "forced_decoder_ids",
             "sequence_bias", "max_time", "prompt_lookup_num_tokens":
            mark(value != nil)
        default: break // sampling knobs (unused without do_sample), outputs, cache options
        }
    }

    /// `get_generation_mode`: contrastive search when `penalty_alpha > 0` and `top_k > 1`.
    private mutating func markContrastive() {
        let contrastive = (penaltyAlpha ?? 0) > 0 && (topK ?? 0) > 1
        if contrastive { unsupportedOptions.insert("penalty_alpha") } else { unsupportedOptions.remove("penalty_alpha") }
    }

    // MARK: Resolution

    /// `_get_decoder_start_token_id`: `decoder_start_token_id`, else `bos_token_id`.
    public func resolvedDecoderStartTokenID() throws -> Int {
        guard let id = decoderStartTokenID ?? bosTokenID else { throw GenerationError.missingDecoderStartToken }
        return id
    }

    /// The values `generate` actually runs with, after its own defaulting and validation.
    func resolved(vocabSize: Int, maxPositions: Int) throws -> ResolvedGeneration {
        if !unsupportedOptions.isEmpty { throw GenerationError.unsupportedOptions(Array(unsupportedOptions)) }
        let start = try resolvedDecoderStartTokenID()
        guard start >= 0 && start < vocabSize else {
            throw GenerationError.invalidOption(name: "decoder_start_token_id",
                                                reason: "\(start) is outside the vocabulary (vocab_size \(vocabSize))")
        }
        let eos = eosTokenIDs ?? []
        // generate(): "Setting `pad_token_id` to `eos_token_id`" when pad is unset.
        let pad = padTokenID ?? eos.first
        // _prepare_generated_length: max_new_tokens wins over max_length; the prompt is one token.
        let maxLen = maxNewTokens.map { $0 + 1 } ?? maxLength
        guard maxLen > 1 else {
            throw GenerationError.invalidOption(name: "max_length",
                                                reason: "is \(maxLen), but the decoder prompt already has length 1")
        }
        guard maxLen <= maxPositions else {
            throw GenerationError.invalidOption(name: "max_length",
                                                reason: "\(maxLen) exceeds the decoder's n_positions \(maxPositions)")
        }
        if minLength < 0 { throw GenerationError.invalidOption(name: "min_length", reason: "must be non-negative, is \(minLength)") }
        if let m = minNewTokens, m < 0 {
            throw GenerationError.invalidOption(name: "min_new_tokens", reason: "must be non-negative, is \(m)")
        }
        if noRepeatNgramSize < 0 {
            throw GenerationError.invalidOption(name: "no_repeat_ngram_size", reason: "must be non-negative, is \(noRepeatNgramSize)")
        }
        return ResolvedGeneration(
            decoderStart: start, eos: eos, pad: pad, maxLength: maxLen, numBeams: numBeams,
            earlyStopping: earlyStopping, lengthPenalty: lengthPenalty,
            processors: LogitsProcessors(
                repetitionPenalty: repetitionPenalty == 1 ? nil : Float(repetitionPenalty),
                noRepeatNgramSize: noRepeatNgramSize,
                // The length processors exist only when an EOS token is known (_get_logits_processor).
                // _prepare_generated_length replaces min_length by min_new_tokens + prompt length.
                minLength: eos.isEmpty ? 0 : (minNewTokens.map { $0 + 1 } ?? minLength),
                minNewTokens: eos.isEmpty ? 0 : (minNewTokens ?? 0),
                eos: eos))
    }
}

/// What `generate` runs with for one caption.
struct ResolvedGeneration: Sendable {
    var decoderStart: Int
    var eos: [Int]
    var pad: Int?
    var maxLength: Int
    var numBeams: Int
    var earlyStopping: GenerationConfig.EarlyStopping
    var lengthPenalty: Double
    var processors: LogitsProcessors
}

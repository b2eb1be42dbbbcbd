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

    /// The `num_beams` every source (a request, generation_config.json, config.json) must stay
    /// within: each beam holds its own key/value cache and logits row, so memory grows with it,
    /// and beyond 16 beams a one-sentence caption does not change.
    public static let numBeamsLimit = 1...16
    /// The `max_length` and `max_new_tokens` every source must stay within. A caption is one
    /// sentence; GPT-2 decoders stop at their n_positions (1024) anyway, and the cache and token
    /// buffers are sized from this.
    public static let lengthLimit = 1...512

    // MARK: Loading

    /// The generation configuration of a Hugging Face model directory (see the type comment).
    ///
    /// - Throws: `CheckpointError.missingFile` without config.json; a `ModelJSONError` naming the
    ///   file and the key for a value of the wrong kind or out of range.
    public init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw CheckpointError.missingFile(configURL.path)
        }
        let top = try ModelJSON.decode([String: ModelJSONValue].self, from: configURL)
        let genURL = directory.appendingPathComponent("generation_config.json")
        if FileManager.default.fileExists(atPath: genURL.path) {
            let gen = try ModelJSON.decode([String: ModelJSONValue].self, from: genURL)
            if gen["_from_model_config"] == .bool(true) && Self.hasNonDefaultLegacyParameters(top) {
                try self.init(modelConfig: top, file: configURL.path)
            } else {
                self.init()
                try apply(gen.map { (key: $0.key, value: $0.value, path: $0.key) }, file: genURL.path)
            }
        } else {
            try self.init(modelConfig: top, file: configURL.path)
        }
    }

    /// `GenerationConfig.from_model_config` for a parsed `config.json`; `file` labels errors.
    public init(modelConfig top: [String: ModelJSONValue], file: String = "config.json") throws {
        var merged: [String: (value: ModelJSONValue, path: String)] = [:]
        for (k, v) in top where Self.attributeDefaults[k] != nil { merged[k] = (v, k) }
        var decoder: [String: ModelJSONValue] = [:]
        if case .object(let d)? = top["decoder"] { decoder = d }
        // GPT2Config.__init__ defaults that differ from GenerationConfig's.
        if decoder["bos_token_id"] == nil { decoder["bos_token_id"] = 50256 }
        if decoder["eos_token_id"] == nil { decoder["eos_token_id"] = 50256 }
        for (k, v) in decoder {
            guard let def = Self.attributeDefaults[k] else { continue }
            if (merged[k]?.value ?? def).pythonEquals(def) { merged[k] = (v, "decoder." + k) }
        }
        self.init()
        try apply(merged.map { (key: $0.key, value: $0.value.value, path: $0.value.path) }, file: file)
    }

    /// Every `GenerationConfig.__init__` attribute with its default (`nil` for None).
    static let attributeDefaults: [String: ModelJSONValue] = [
        "max_length": 20, "max_new_tokens": nil, "min_length": 0, "min_new_tokens": nil,
        "early_stopping": false, "max_time": nil, "do_sample": false, "num_beams": 1,
        "num_beam_groups": 1, "penalty_alpha": nil, "use_cache": true, "temperature": 1.0,
        "top_k": 50, "top_p": 1.0, "typical_p": 1.0, "epsilon_cutoff": 0.0, "eta_cutoff": 0.0,
        "diversity_penalty": 0.0, "repetition_penalty": 1.0, "encoder_repetition_penalty": 1.0,
        "length_penalty": 1.0, "no_repeat_ngram_size": 0, "bad_words_ids": nil,
        "force_words_ids": nil, "renormalize_logits": false, "constraints": nil,
        "forced_bos_token_id": nil, "forced_eos_token_id": nil, "remove_invalid_values": false,
        "exponential_decay_length_penalty": nil, "suppress_tokens": nil,
        "begin_suppress_tokens": nil, "forced_decoder_ids": nil, "sequence_bias": nil,
        "guidance_scale": nil, "low_memory": nil, "num_return_sequences": 1,
        "output_attentions": false, "output_hidden_states": false, "output_scores": false,
        "output_logits": nil, "return_dict_in_generate": false, "pad_token_id": nil,
        "bos_token_id": nil, "eos_token_id": nil, "encoder_no_repeat_ngram_size": 0,
        "decoder_start_token_id": nil, "num_assistant_tokens": 5,
        "num_assistant_tokens_schedule": "heuristic", "cache_implementation": nil,
        "prompt_lookup_num_tokens": nil, "max_matching_ngram_size": nil,
    ]

    /// `PretrainedConfig._get_generation_defaults()`: the top-level config.json parameters whose
    /// non-default values trigger the legacy rebuild from the model config.
    static let legacyParameterDefaults: [String: ModelJSONValue] = [
        "max_length": 20, "min_length": 0, "do_sample": false, "early_stopping": false, "num_beams": 1,
        "num_beam_groups": 1, "diversity_penalty": 0.0, "temperature": 1.0, "top_k": 50, "top_p": 1.0,
        "typical_p": 1.0, "repetition_penalty": 1.0, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
        "encoder_no_repeat_ngram_size": 0, "bad_words_ids": nil, "num_return_sequences": 1,
        "output_scores": false, "return_dict_in_generate": false, "forced_bos_token_id": nil,
        "forced_eos_token_id": nil, "remove_invalid_values": false,
        "exponential_decay_length_penalty": nil, "suppress_tokens": nil, "begin_suppress_tokens": nil,
    ]

    static func hasNonDefaultLegacyParameters(_ top: [String: ModelJSONValue]) -> Bool {
        legacyParameterDefaults.contains { k, def in top[k].map { !$0.pythonEquals(def) } ?? false }
    }

    // MARK: Updating

    /// Like `GenerationConfig.update(**kwargs)` followed by `validate()`: known attributes are set,
    /// unknown keys ignored. A value of the wrong kind or out of range is a
    /// `GenerationError.invalidOption` naming the key. On error the configuration is left unchanged.
    public mutating func update(_ values: [String: ModelJSONValue]) throws {
        try apply(values.map { (key: $0.key, value: $0.value, path: $0.key) }, file: nil)
    }

    /// The configuration with the non-nil overrides applied (`generate(num_beams=..., ...)`).
    ///
    /// As in transformers, a `max_new_tokens` (from the files or the overrides) takes precedence
    /// over any `max_length`.
    public func applying(_ o: GenerationOverrides) throws -> GenerationConfig {
        var c = self
        var kw: [String: ModelJSONValue] = [:]
        if let v = o.numBeams { kw["num_beams"] = .int(v) }
        if let v = o.maxLength { kw["max_length"] = .int(v) }
        if let v = o.maxNewTokens { kw["max_new_tokens"] = .int(v) }
        try c.update(kw)
        return c
    }

    /// What a value should have been, for the error that `apply` words with the key or the file.
    private struct Expected: Error { var what: String }

    /// Sets `entries` in key order. An error names `path` in `file` when the values come from a
    /// file, else the key.
    private mutating func apply(_ entries: [(key: String, value: ModelJSONValue, path: String)], file: String?) throws {
        func failure(_ e: Expected, path: String, key: String, value: ModelJSONValue) -> Error {
            if let file { return ModelJSON.invalid(file, path, expected: e.what, found: value) }
            return GenerationError.invalidOption(name: key, reason: "expected \(e.what), found \(value)")
        }
        var c = self
        for entry in entries.sorted(by: { $0.key < $1.key }) {
            do { try c.set(entry.key, entry.value) } catch let e as Expected {
                throw failure(e, path: entry.path, key: entry.key, value: entry.value)
            }
        }
        self = c
    }

    /// The error for a value beyond `limit`, naming the limit.
    private static func outside(_ limit: ClosedRange<Int>) -> Expected {
        Expected(what: "an integer from \(limit.lowerBound) to \(limit.upperBound)")
    }

    private mutating func set(_ key: String, _ value: ModelJSONValue) throws {
        func int() throws -> Int? {
            switch value {
            case .null: return nil
            case .int(let n): return n
            default: throw Expected(what: "an integer")
            }
        }
        func requiredInt() throws -> Int {
            guard case .int(let n) = value else { throw Expected(what: "an integer") }
            return n
        }
        func double() throws -> Double {
            guard let d = value.number else { throw Expected(what: "a number") }
            return d
        }
        func bool() throws -> Bool {
            guard case .bool(let b) = value else { throw Expected(what: "true or false") }
            return b
        }
        func mark(_ unsupported: Bool) {
            if unsupported { unsupportedOptions.insert(key) } else { unsupportedOptions.remove(key) }
        }
        switch key {
        case "max_length":
            maxLength = try requiredInt()
            if !Self.lengthLimit.contains(maxLength) { throw Self.outside(Self.lengthLimit) }
        case "max_new_tokens":
            maxNewTokens = try int()
            if let m = maxNewTokens, m <= 0 { throw Expected(what: "an integer greater than 0") }
            if let m = maxNewTokens, !Self.lengthLimit.contains(m) { throw Self.outside(Self.lengthLimit) }
        case "min_length": minLength = try requiredInt()
        case "min_new_tokens": minNewTokens = try int()
        case "early_stopping":
            switch value {
            case .string("never"): earlyStopping = .never
            case .bool(let b): earlyStopping = b ? .immediate : .heuristic
            default: throw Expected(what: "true, false or \"never\"")
            }
        case "do_sample":
            doSample = try bool()
            mark(doSample)
        case "num_beams":
            numBeams = try int() ?? 1
            if numBeams < 1 { throw Expected(what: "an integer of at least 1") }
            if !Self.numBeamsLimit.contains(numBeams) { throw Self.outside(Self.numBeamsLimit) }
        case "repetition_penalty":
            repetitionPenalty = try double()
            if !(repetitionPenalty > 0) { throw Expected(what: "a strictly positive float") }
        case "length_penalty": lengthPenalty = try double()
        case "no_repeat_ngram_size":
            noRepeatNgramSize = try int() ?? 0
        case "pad_token_id": padTokenID = try int()
        case "bos_token_id": bosTokenID = try int()
        case "decoder_start_token_id":
            if case .array(let list) = value {
                // A list must have one entry per batch row; a caption is one row.
                guard list.count == 1, case .int(let id) = list[0] else {
                    throw Expected(what: "an integer, or a list of one integer (the batch size is 1)")
                }
                decoderStartTokenID = id
            } else { decoderStartTokenID = try int() }
        case "eos_token_id":
            switch value {
            case .null: eosTokenIDs = nil
            case .int(let n): eosTokenIDs = [n]
            case .array(let list):
                let ids = list.compactMap { v -> Int? in if case .int(let n) = v { return n } else { return nil } }
                guard ids.count == list.count else { throw Expected(what: "an integer or a list of integers") }
                eosTokenIDs = ids
            default: throw Expected(what: "an integer or a list of integers")
            }
        case "num_return_sequences": mark((try int() ?? 1) != 1)
        case "num_beam_groups": mark((try int() ?? 1) > 1)
        case "penalty_alpha":
            penaltyAlpha = value == .null ? nil : try double()
            markContrastive()
        case "top_k":
            topK = try int()
            markContrastive()
        case "diversity_penalty": mark(try value != .null && double() > 0)
        case "encoder_repetition_penalty": mark(try value != .null && double() != 1)
        case "encoder_no_repeat_ngram_size": mark((try int() ?? 0) > 0)
        case "guidance_scale": mark(try value != .null && double() != 1)
        case "remove_invalid_values", "renormalize_logits": mark(value == .bool(true))
        case "bad_words_ids", "force_words_ids", "constraints", "forced_bos_token_id", "forced_eos_token_id",
             "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "forced_decoder_ids",
             "sequence_bias", "max_time", "prompt_lookup_num_tokens":
            mark(value != .null)
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

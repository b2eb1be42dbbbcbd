import Foundation

/// `config.json` of a Hugging Face `VisionEncoderDecoderModel` checkpoint.
///
/// Only the fields that change what is computed are decoded; unknown fields are ignored, as
/// transformers' `PretrainedConfig` keeps them as plain attributes.
public struct VisionEncoderDecoderConfig: Codable, Sendable {
    public var encoder: ViTConfig
    public var decoder: GPT2Config
    public var decoderStartTokenID: Int?
    public var padTokenID: Int?
    public var eosTokenID: Int?
    public var tieWordEmbeddings: Bool

    enum CodingKeys: String, CodingKey {
        case encoder, decoder
        case decoderStartTokenID = "decoder_start_token_id"
        case padTokenID = "pad_token_id"
        case eosTokenID = "eos_token_id"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    /// Reads `config.json` from a model directory: the one loader of that file for the model.
    ///
    /// - Throws: `CheckpointError.missingFile` if it is absent, else a `ModelJSONError` naming the
    ///   file and the field (`config.json: decoder.n_embd: expected an integer, found "x"`).
    public static func load(directory: URL) throws -> VisionEncoderDecoderConfig {
        let url = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { throw CheckpointError.missingFile(url.path) }
        return try ModelJSON.decode(VisionEncoderDecoderConfig.self, from: url)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        encoder = try c.decode(ViTConfig.self, forKey: .encoder)
        self.decoder = try c.decode(GPT2Config.self, forKey: .decoder)
        decoderStartTokenID = try c.decodeIfPresent(Int.self, forKey: .decoderStartTokenID)
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
        eosTokenID = try c.decodeIfPresent(Int.self, forKey: .eosTokenID)
        // VisionEncoderDecoderConfig passes tie_word_embeddings=False to the composite model; the
        // decoder's own setting (default True for GPT-2) is what ties its LM head to wte.
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? false
    }
}

/// Encoder half: `ViTConfig` (google/vit-base-patch16-224-in21k shapes for real checkpoints).
public struct ViTConfig: Codable, Sendable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var hiddenAct: String
    public var layerNormEps: Float
    public var imageSize: Int
    public var patchSize: Int
    public var numChannels: Int
    public var qkvBias: Bool

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps"
        case imageSize = "image_size"
        case patchSize = "patch_size"
        case numChannels = "num_channels"
        case qkvBias = "qkv_bias"
    }

    /// Defaults are those of transformers' `ViTConfig.__init__`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? 768
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? 12
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? 12
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? 3072
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12
        imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? 224
        patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? 16
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? 3
        qkvBias = try c.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? true
    }
}

/// Decoder half: `GPT2Config` with `add_cross_attention`.
public struct GPT2Config: Codable, Sendable {
    public var vocabSize: Int
    public var nPositions: Int
    public var nEmbd: Int
    public var nLayer: Int
    public var nHead: Int
    public var nInner: Int?
    public var activationFunction: String
    public var layerNormEpsilon: Float
    public var addCrossAttention: Bool
    public var scaleAttnWeights: Bool
    public var scaleAttnByInverseLayerIdx: Bool
    public var reorderAndUpcastAttn: Bool
    public var bosTokenID: Int?
    public var eosTokenID: Int?
    public var padTokenID: Int?
    public var tieWordEmbeddings: Bool

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size"
        case nPositions = "n_positions"
        case nEmbd = "n_embd"
        case nLayer = "n_layer"
        case nHead = "n_head"
        case nInner = "n_inner"
        case activationFunction = "activation_function"
        case layerNormEpsilon = "layer_norm_epsilon"
        case addCrossAttention = "add_cross_attention"
        case scaleAttnWeights = "scale_attn_weights"
        case scaleAttnByInverseLayerIdx = "scale_attn_by_inverse_layer_idx"
        case reorderAndUpcastAttn = "reorder_and_upcast_attn"
        case bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id"
        case padTokenID = "pad_token_id"
        case tieWordEmbeddings = "tie_word_embeddings"
    }

    /// Defaults are those of transformers' `GPT2Config.__init__`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? 50257
        nPositions = try c.decodeIfPresent(Int.self, forKey: .nPositions) ?? 1024
        nEmbd = try c.decodeIfPresent(Int.self, forKey: .nEmbd) ?? 768
        nLayer = try c.decodeIfPresent(Int.self, forKey: .nLayer) ?? 12
        nHead = try c.decodeIfPresent(Int.self, forKey: .nHead) ?? 12
        nInner = try c.decodeIfPresent(Int.self, forKey: .nInner)
        activationFunction = try c.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        addCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .addCrossAttention) ?? false
        scaleAttnWeights = try c.decodeIfPresent(Bool.self, forKey: .scaleAttnWeights) ?? true
        scaleAttnByInverseLayerIdx = try c.decodeIfPresent(Bool.self, forKey: .scaleAttnByInverseLayerIdx) ?? false
        reorderAndUpcastAttn = try c.decodeIfPresent(Bool.self, forKey: .reorderAndUpcastAttn) ?? false
        bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID)
        eosTokenID = try c.decodeIfPresent(Int.self, forKey: .eosTokenID)
        padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID)
        tieWordEmbeddings = try c.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) ?? true
    }
}

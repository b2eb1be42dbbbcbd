/// The sizes and options of one checkpoint, derived and validated once from its config.
///
/// Letters used in shape comments: ViT `S = 1+N` tokens of width `Ce`, `N` patches, `P` patch
/// side, `I` inner width; GPT-2 width `C` (= `Cd`), `NH` heads of `HD`, `V` vocab, `T` tokens.
struct ModelDimensions: Sendable, Equatable {
    // ViT encoder (ViTConfig)
    var encoderWidth: Int, encoderHeads: Int, encoderLayers: Int, encoderInner: Int
    var channels: Int, imageSize: Int, patch: Int
    var qkvBias: Bool
    var encoderEps: Float
    var encoderActivation: Activation
    // GPT-2 decoder (GPT2Config)
    var decoderWidth: Int, decoderHeads: Int, decoderLayers: Int, decoderInner: Int
    var vocab: Int, positions: Int
    var decoderEps: Float
    var decoderActivation: Activation
    var scaleAttnWeights: Bool, scaleAttnByInverseLayerIdx: Bool, reorderAndUpcastAttn: Bool
    var tiedLMHead: Bool

    /// Patches per image side: the conv (kernel = stride = P) drops any remainder, as torch does.
    var patchesPerSide: Int { imageSize / patch }
    var encoderTokens: Int { 1 + patchesPerSide * patchesPerSide }
    var hasProjection: Bool { encoderWidth != decoderWidth }
    var pixelCount: Int { channels * imageSize * imageSize }

    init(_ config: VisionEncoderDecoderConfig) throws {
        let e = config.encoder, g = config.decoder
        encoderWidth = e.hiddenSize; encoderHeads = e.numAttentionHeads; encoderLayers = e.numHiddenLayers
        encoderInner = e.intermediateSize; channels = e.numChannels; imageSize = e.imageSize; patch = e.patchSize
        qkvBias = e.qkvBias; encoderEps = e.layerNormEps
        encoderActivation = try Activation(named: e.hiddenAct, field: "encoder.hidden_act")
        decoderWidth = g.nEmbd; decoderHeads = g.nHead; decoderLayers = g.nLayer
        decoderInner = g.nInner ?? 4 * g.nEmbd
        vocab = g.vocabSize; positions = g.nPositions; decoderEps = g.layerNormEpsilon
        decoderActivation = try Activation(named: g.activationFunction, field: "decoder.activation_function")
        scaleAttnWeights = g.scaleAttnWeights; scaleAttnByInverseLayerIdx = g.scaleAttnByInverseLayerIdx
        reorderAndUpcastAttn = g.reorderAndUpcastAttn
        tiedLMHead = g.tieWordEmbeddings

        func positive(_ v: Int, _ field: String) throws {
            if v <= 0 { throw ModelError.invalidConfig(field: field, reason: "must be positive, is \(v)") }
        }
        try positive(encoderWidth, "encoder.hidden_size"); try positive(encoderHeads, "encoder.num_attention_heads")
        try positive(encoderLayers, "encoder.num_hidden_layers"); try positive(encoderInner, "encoder.intermediate_size")
        try positive(channels, "encoder.num_channels"); try positive(patch, "encoder.patch_size")
        try positive(decoderWidth, "decoder.n_embd"); try positive(decoderHeads, "decoder.n_head")
        try positive(decoderLayers, "decoder.n_layer"); try positive(decoderInner, "decoder.n_inner")
        try positive(vocab, "decoder.vocab_size"); try positive(positions, "decoder.n_positions")
        if imageSize < patch {
            throw ModelError.invalidConfig(field: "encoder.image_size", reason: "\(imageSize) is smaller than patch_size \(patch)")
        }
        if encoderWidth % encoderHeads != 0 {
            throw ModelError.invalidConfig(field: "encoder.hidden_size",
                                           reason: "\(encoderWidth) is not a multiple of num_attention_heads \(encoderHeads)")
        }
        if decoderWidth % decoderHeads != 0 {
            throw ModelError.invalidConfig(field: "decoder.n_embd", reason: "\(decoderWidth) is not a multiple of n_head \(decoderHeads)")
        }
        if !g.addCrossAttention {
            throw ModelError.invalidConfig(field: "decoder.add_cross_attention",
                                           reason: "is false; a captioning decoder attends to the image through cross-attention")
        }
    }
}

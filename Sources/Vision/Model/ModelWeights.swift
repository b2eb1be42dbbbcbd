import Foundation

/// Every checkpoint tensor the captioner reads, and the one place that knows the checkpoint layout.
///
/// Layout facts of a Hugging Face `VisionEncoderDecoderModel` state dict (transformers 4.40):
/// - ViT `nn.Linear` weights are stored `(out, in)`; the kernels multiply by their transpose.
/// - GPT-2 `Conv1D` weights are stored `(in, out)`; the kernels multiply by them directly.
/// - The patch embedding is an `nn.Conv2d` with kernel = stride = P, weight `(C, channels, P, P)`;
///   flattened to `(C, channels*P*P)` it is an `(out, in)` Linear over unfolded patches whose
///   elements are ordered (channel, row, column).
/// - `cls_token` is `(1, 1, C)`, `position_embeddings` `(1, 1+N, C)`.
/// - `enc_to_dec_proj` (`nn.Linear`) exists only when the encoder and decoder widths differ
///   (transformers also requires `cross_attention_hidden_size` unset then; GPT-2 cross-attention
///   needs encoder states of the decoder width either way).
/// - The LM head is `decoder.lm_head.weight` `(V, C)`. With the decoder's `tie_word_embeddings`
///   (GPT-2 default true) it *is* `decoder.transformer.wte.weight`: safetensors files omit it,
///   `pytorch_model.bin` files repeat it. A repeated copy must equal wte exactly; otherwise
///   transformers would silently overwrite wte with it on load, so loading fails instead.
/// - Ignored, never computed with: the GPT-2 causal-mask buffers `attn.bias` / `attn.masked_bias`
///   (and the cross-attention ones) that older checkpoints persist, and `encoder.pooler.dense.*`:
///   `AutoModel.from_config` builds ViTModel with a pooling layer, but the captioner only uses
///   `last_hidden_state`. Pooler tensors are still shape-checked when present.
struct ModelWeights: @unchecked Sendable {
    /// One ViT encoder layer; keys under `encoder.encoder.layer.{i}.`.
    struct ViTLayer {
        var lnBeforeW, lnBeforeB: UnsafePointer<Float>        // layernorm_before (C)
        var q, k, v: Dense                                     // attention.attention.{query,key,value} (C, C) out,in
        var attnOut: Dense                                     // attention.output.dense (C, C) out,in
        var lnAfterW, lnAfterB: UnsafePointer<Float>           // layernorm_after (C)
        var inter: Dense                                       // intermediate.dense (I, C) out,in
        var out: Dense                                         // output.dense (C, I) out,in
    }

    /// One GPT-2 block with cross-attention; keys under `decoder.transformer.h.{i}.`.
    struct GPT2Layer {
        var ln1W, ln1B: UnsafePointer<Float>                   // ln_1 (C)
        var attn: Dense                                        // attn.c_attn (C, 3C) in,out
        var attnProj: Dense                                    // attn.c_proj (C, C)
        var lnCrossW, lnCrossB: UnsafePointer<Float>           // ln_cross_attn (C)
        var crossQ: Dense                                      // crossattention.q_attn (C, C)
        var crossKV: Dense                                     // crossattention.c_attn (C, 2C)
        var crossProj: Dense                                   // crossattention.c_proj (C, C)
        var ln2W, ln2B: UnsafePointer<Float>                   // ln_2 (C)
        var fc: Dense                                          // mlp.c_fc (C, I)
        var mlpProj: Dense                                     // mlp.c_proj (I, C)
    }

    // encoder.embeddings.*
    var patch: Dense                      // patch_embeddings.projection (C, ch, P, P) = (C, ch*P*P) out,in
    var clsToken: UnsafePointer<Float>    // cls_token (1, 1, C)
    var posEmbed: UnsafePointer<Float>    // position_embeddings (1, 1+N, C)
    var vitLayers: [ViTLayer]
    var vitLnW, vitLnB: UnsafePointer<Float>  // encoder.layernorm (C)
    // enc_to_dec_proj (Cd, Ce) out,in -- only when widths differ
    var proj: Dense?
    // decoder.transformer.*
    var wte: Dense                        // wte.weight (V, Cd) out,in; also the LM head when tied
    var wpe: UnsafePointer<Float>         // wpe.weight (n_positions, Cd)
    var gptLayers: [GPT2Layer]
    var lnfW, lnfB: UnsafePointer<Float>  // ln_f (Cd)
    var lmHead: Dense                     // decoder.lm_head.weight (V, Cd), or wte when tied

    /// Suffixes of checkpoint keys that are buffers, not weights (see the type comment).
    static let ignoredKeyPatterns = [".attn.bias", ".attn.masked_bias",
                                     ".crossattention.bias", ".crossattention.masked_bias"]

    /// Every 2-D weight that becomes a `Dense`, as (key, stored shape, outFeatures, inFeatures,
    /// stored (K, N)), in a fixed order. The quantizer and the loaders agree through this list.
    static func matrices(_ d: ModelDimensions) -> [(key: String, shape: [Int], out: Int, in: Int, inOut: Bool)] {
        let ce = d.encoderWidth, cd = d.decoderWidth
        var m: [(key: String, shape: [Int], out: Int, in: Int, inOut: Bool)] = []
        m.append(("encoder.embeddings.patch_embeddings.projection.weight", [ce, d.channels, d.patch, d.patch], ce,
                  d.channels * d.patch * d.patch, false))
        for i in 0..<d.encoderLayers {
            let p = "encoder.encoder.layer.\(i)."
            for name in ["query", "key", "value"] { m.append((p + "attention.attention.\(name).weight", [ce, ce], ce, ce, false)) }
            m.append((p + "attention.output.dense.weight", [ce, ce], ce, ce, false))
            m.append((p + "intermediate.dense.weight", [d.encoderInner, ce], d.encoderInner, ce, false))
            m.append((p + "output.dense.weight", [ce, d.encoderInner], ce, d.encoderInner, false))
        }
        if d.hasProjection { m.append(("enc_to_dec_proj.weight", [cd, ce], cd, ce, false)) }
        m.append(("decoder.transformer.wte.weight", [d.vocab, cd], d.vocab, cd, false))
        for i in 0..<d.decoderLayers {
            let p = "decoder.transformer.h.\(i)."
            m.append((p + "attn.c_attn.weight", [cd, 3 * cd], 3 * cd, cd, true))
            m.append((p + "attn.c_proj.weight", [cd, cd], cd, cd, true))
            m.append((p + "crossattention.q_attn.weight", [cd, cd], cd, cd, true))
            m.append((p + "crossattention.c_attn.weight", [cd, 2 * cd], 2 * cd, cd, true))
            m.append((p + "crossattention.c_proj.weight", [cd, cd], cd, cd, true))
            m.append((p + "mlp.c_fc.weight", [cd, d.decoderInner], d.decoderInner, cd, true))
            m.append((p + "mlp.c_proj.weight", [d.decoderInner, cd], cd, d.decoderInner, true))
        }
        if !d.tiedLMHead { m.append(("decoder.lm_head.weight", [d.vocab, cd], d.vocab, cd, false)) }
        return m
    }

    /// Takes every tensor with its exact shape from `source`, then lets it reject anything unexpected.
    init(dims d: ModelDimensions, source: WeightSource) throws {
        func t(_ key: String, _ shape: [Int]) throws -> UnsafePointer<Float> { try source.floats(key, shape: shape) }
        let shapes = Dictionary(uniqueKeysWithValues: Self.matrices(d).map { ($0.key, $0) })
        func dense(_ key: String, bias: String?) throws -> Dense {
            guard let m = shapes[key] else { preconditionFailure("\(key) is not in ModelWeights.matrices") }
            let b = try bias.map { try t($0, [m.out]) }
            return try source.dense(key, shape: m.shape, outFeatures: m.out, inFeatures: m.in, inOut: m.inOut, bias: b)
        }
        let ce = d.encoderWidth, cd = d.decoderWidth
        let e = "encoder.embeddings."
        patch = try dense(e + "patch_embeddings.projection.weight", bias: e + "patch_embeddings.projection.bias")
        clsToken = try t(e + "cls_token", [1, 1, ce])
        posEmbed = try t(e + "position_embeddings", [1, d.encoderTokens, ce])
        vitLayers = try (0..<d.encoderLayers).map { i in
            let p = "encoder.encoder.layer.\(i)."
            let a = p + "attention.attention."
            return ViTLayer(
                lnBeforeW: try t(p + "layernorm_before.weight", [ce]), lnBeforeB: try t(p + "layernorm_before.bias", [ce]),
                q: try dense(a + "query.weight", bias: d.qkvBias ? a + "query.bias" : nil),
                k: try dense(a + "key.weight", bias: d.qkvBias ? a + "key.bias" : nil),
                v: try dense(a + "value.weight", bias: d.qkvBias ? a + "value.bias" : nil),
                attnOut: try dense(p + "attention.output.dense.weight", bias: p + "attention.output.dense.bias"),
                lnAfterW: try t(p + "layernorm_after.weight", [ce]), lnAfterB: try t(p + "layernorm_after.bias", [ce]),
                inter: try dense(p + "intermediate.dense.weight", bias: p + "intermediate.dense.bias"),
                out: try dense(p + "output.dense.weight", bias: p + "output.dense.bias"))
        }
        vitLnW = try t("encoder.layernorm.weight", [ce])
        vitLnB = try t("encoder.layernorm.bias", [ce])
        try source.checkOptional(["encoder.pooler.dense.weight": [ce, ce], "encoder.pooler.dense.bias": [ce]])
        proj = d.hasProjection ? try dense("enc_to_dec_proj.weight", bias: "enc_to_dec_proj.bias") : nil
        let g = "decoder.transformer."
        wte = try dense(g + "wte.weight", bias: nil)
        wpe = try t(g + "wpe.weight", [d.positions, cd])
        gptLayers = try (0..<d.decoderLayers).map { i in
            let p = g + "h.\(i)."
            return GPT2Layer(
                ln1W: try t(p + "ln_1.weight", [cd]), ln1B: try t(p + "ln_1.bias", [cd]),
                attn: try dense(p + "attn.c_attn.weight", bias: p + "attn.c_attn.bias"),
                attnProj: try dense(p + "attn.c_proj.weight", bias: p + "attn.c_proj.bias"),
                lnCrossW: try t(p + "ln_cross_attn.weight", [cd]), lnCrossB: try t(p + "ln_cross_attn.bias", [cd]),
                crossQ: try dense(p + "crossattention.q_attn.weight", bias: p + "crossattention.q_attn.bias"),
                crossKV: try dense(p + "crossattention.c_attn.weight", bias: p + "crossattention.c_attn.bias"),
                crossProj: try dense(p + "crossattention.c_proj.weight", bias: p + "crossattention.c_proj.bias"),
                ln2W: try t(p + "ln_2.weight", [cd]), ln2B: try t(p + "ln_2.bias", [cd]),
                fc: try dense(p + "mlp.c_fc.weight", bias: p + "mlp.c_fc.bias"),
                mlpProj: try dense(p + "mlp.c_proj.weight", bias: p + "mlp.c_proj.bias"))
        }
        lnfW = try t(g + "ln_f.weight", [cd])
        lnfB = try t(g + "ln_f.bias", [cd])
        if d.tiedLMHead {
            lmHead = wte
            try source.checkTiedCopy("decoder.lm_head.weight", of: g + "wte.weight", shape: [d.vocab, cd])
        } else {
            lmHead = try dense("decoder.lm_head.weight", bias: nil)
        }
        try source.finish(ignoring: Self.ignoredKeyPatterns)
    }
}

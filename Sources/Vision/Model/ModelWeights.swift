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
        var qW, kW, vW: UnsafePointer<Float>                   // attention.attention.{query,key,value}.weight (C, C) out,in
        var qB, kB, vB: UnsafePointer<Float>?                  // .bias (C), absent when qkv_bias is false
        var attnOutW, attnOutB: UnsafePointer<Float>           // attention.output.dense (C, C) out,in; (C)
        var lnAfterW, lnAfterB: UnsafePointer<Float>           // layernorm_after (C)
        var interW, interB: UnsafePointer<Float>               // intermediate.dense (I, C) out,in; (I)
        var outW, outB: UnsafePointer<Float>                   // output.dense (C, I) out,in; (C)
    }

    /// One GPT-2 block with cross-attention; keys under `decoder.transformer.h.{i}.`.
    struct GPT2Layer {
        var ln1W, ln1B: UnsafePointer<Float>                   // ln_1 (C)
        var attnW, attnB: UnsafePointer<Float>                 // attn.c_attn (C, 3C) in,out; (3C)
        var attnProjW, attnProjB: UnsafePointer<Float>         // attn.c_proj (C, C); (C)
        var lnCrossW, lnCrossB: UnsafePointer<Float>           // ln_cross_attn (C)
        var crossQW, crossQB: UnsafePointer<Float>             // crossattention.q_attn (C, C); (C)
        var crossKVW, crossKVB: UnsafePointer<Float>           // crossattention.c_attn (C, 2C); (2C)
        var crossProjW, crossProjB: UnsafePointer<Float>       // crossattention.c_proj (C, C); (C)
        var ln2W, ln2B: UnsafePointer<Float>                   // ln_2 (C)
        var fcW, fcB: UnsafePointer<Float>                     // mlp.c_fc (C, I); (I)
        var mlpProjW, mlpProjB: UnsafePointer<Float>           // mlp.c_proj (I, C); (C)
    }

    // encoder.embeddings.*
    var patchW: UnsafePointer<Float>      // patch_embeddings.projection.weight (C, ch, P, P) = (C, ch*P*P) out,in
    var patchB: UnsafePointer<Float>      // patch_embeddings.projection.bias (C)
    var clsToken: UnsafePointer<Float>    // cls_token (1, 1, C)
    var posEmbed: UnsafePointer<Float>    // position_embeddings (1, 1+N, C)
    var vitLayers: [ViTLayer]
    var vitLnW, vitLnB: UnsafePointer<Float>  // encoder.layernorm (C)
    // enc_to_dec_proj (Cd, Ce) out,in; (Cd) -- only when widths differ
    var projW, projB: UnsafePointer<Float>?
    // decoder.transformer.*
    var wte: UnsafePointer<Float>         // wte.weight (V, Cd); also the LM head when tied
    var wpe: UnsafePointer<Float>         // wpe.weight (n_positions, Cd)
    var gptLayers: [GPT2Layer]
    var lnfW, lnfB: UnsafePointer<Float>  // ln_f (Cd)
    var lmHead: UnsafePointer<Float>      // decoder.lm_head.weight (V, Cd), or wte when tied

    /// Suffixes of checkpoint keys that are buffers, not weights (see the type comment).
    static let ignoredKeyPatterns = [".attn.bias", ".attn.masked_bias",
                                     ".crossattention.bias", ".crossattention.masked_bias"]

    /// Takes every tensor with its exact shape, then lets `finish()` reject anything unexpected.
    init(dims d: ModelDimensions, checkpoint ck: Checkpoint) throws {
        func t(_ key: String, _ shape: [Int]) throws -> UnsafePointer<Float> {
            try ck.tensor(key, shape: shape).data.baseAddress!
        }
        let ce = d.encoderWidth, cd = d.decoderWidth
        let e = "encoder.embeddings."
        patchW = try t(e + "patch_embeddings.projection.weight", [ce, d.channels, d.patch, d.patch])
        patchB = try t(e + "patch_embeddings.projection.bias", [ce])
        clsToken = try t(e + "cls_token", [1, 1, ce])
        posEmbed = try t(e + "position_embeddings", [1, d.encoderTokens, ce])
        vitLayers = try (0..<d.encoderLayers).map { i in
            let p = "encoder.encoder.layer.\(i)."
            let a = p + "attention.attention."
            return ViTLayer(
                lnBeforeW: try t(p + "layernorm_before.weight", [ce]), lnBeforeB: try t(p + "layernorm_before.bias", [ce]),
                qW: try t(a + "query.weight", [ce, ce]), kW: try t(a + "key.weight", [ce, ce]),
                vW: try t(a + "value.weight", [ce, ce]),
                qB: d.qkvBias ? try t(a + "query.bias", [ce]) : nil,
                kB: d.qkvBias ? try t(a + "key.bias", [ce]) : nil,
                vB: d.qkvBias ? try t(a + "value.bias", [ce]) : nil,
                attnOutW: try t(p + "attention.output.dense.weight", [ce, ce]),
                attnOutB: try t(p + "attention.output.dense.bias", [ce]),
                lnAfterW: try t(p + "layernorm_after.weight", [ce]), lnAfterB: try t(p + "layernorm_after.bias", [ce]),
                interW: try t(p + "intermediate.dense.weight", [d.encoderInner, ce]),
                interB: try t(p + "intermediate.dense.bias", [d.encoderInner]),
                outW: try t(p + "output.dense.weight", [ce, d.encoderInner]),
                outB: try t(p + "output.dense.bias", [ce]))
        }
        vitLnW = try t("encoder.layernorm.weight", [ce])
        vitLnB = try t("encoder.layernorm.bias", [ce])
        if ck.contains("encoder.pooler.dense.weight") || ck.contains("encoder.pooler.dense.bias") {
            _ = try t("encoder.pooler.dense.weight", [ce, ce])
            _ = try t("encoder.pooler.dense.bias", [ce])
        }
        if d.hasProjection {
            projW = try t("enc_to_dec_proj.weight", [cd, ce])
            projB = try t("enc_to_dec_proj.bias", [cd])
        }
        let g = "decoder.transformer."
        wte = try t(g + "wte.weight", [d.vocab, cd])
        wpe = try t(g + "wpe.weight", [d.positions, cd])
        gptLayers = try (0..<d.decoderLayers).map { i in
            let p = g + "h.\(i)."
            return GPT2Layer(
                ln1W: try t(p + "ln_1.weight", [cd]), ln1B: try t(p + "ln_1.bias", [cd]),
                attnW: try t(p + "attn.c_attn.weight", [cd, 3 * cd]), attnB: try t(p + "attn.c_attn.bias", [3 * cd]),
                attnProjW: try t(p + "attn.c_proj.weight", [cd, cd]), attnProjB: try t(p + "attn.c_proj.bias", [cd]),
                lnCrossW: try t(p + "ln_cross_attn.weight", [cd]), lnCrossB: try t(p + "ln_cross_attn.bias", [cd]),
                crossQW: try t(p + "crossattention.q_attn.weight", [cd, cd]),
                crossQB: try t(p + "crossattention.q_attn.bias", [cd]),
                crossKVW: try t(p + "crossattention.c_attn.weight", [cd, 2 * cd]),
                crossKVB: try t(p + "crossattention.c_attn.bias", [2 * cd]),
                crossProjW: try t(p + "crossattention.c_proj.weight", [cd, cd]),
                crossProjB: try t(p + "crossattention.c_proj.bias", [cd]),
                ln2W: try t(p + "ln_2.weight", [cd]), ln2B: try t(p + "ln_2.bias", [cd]),
                fcW: try t(p + "mlp.c_fc.weight", [cd, d.decoderInner]), fcB: try t(p + "mlp.c_fc.bias", [d.decoderInner]),
                mlpProjW: try t(p + "mlp.c_proj.weight", [d.decoderInner, cd]), mlpProjB: try t(p + "mlp.c_proj.bias", [cd]))
        }
        lnfW = try t(g + "ln_f.weight", [cd])
        lnfB = try t(g + "ln_f.bias", [cd])
        let headKey = "decoder.lm_head.weight"
        if d.tiedLMHead {
            lmHead = wte
            if ck.contains(headKey) {
                let head = try t(headKey, [d.vocab, cd])
                if memcmp(head, wte, d.vocab * cd * MemoryLayout<Float>.size) != 0 {
                    throw ModelError.tiedWeightsDiffer(key: headKey, tiedTo: g + "wte.weight")
                }
            }
        } else {
            lmHead = try t(headKey, [d.vocab, cd])
        }
        ck.ignoredKeyPatterns += Self.ignoredKeyPatterns
        try ck.finish()
    }
}

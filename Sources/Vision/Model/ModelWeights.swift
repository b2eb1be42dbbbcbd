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
///
/// `table` lists every one of those tensors once (key, shape, use, field); loading, the shape
/// check before any data is read, and the int8 quantizer all work from it.
struct ModelWeights {
    /// One ViT encoder layer; keys under `encoder.encoder.layer.{i}.`.
    struct ViTLayer {
        let lnBeforeW, lnBeforeB: UnsafePointer<Float>        // layernorm_before (C)
        let q, k, v: Dense                                     // attention.attention.{query,key,value} (C, C) out,in
        let attnOut: Dense                                     // attention.output.dense (C, C) out,in
        let lnAfterW, lnAfterB: UnsafePointer<Float>           // layernorm_after (C)
        let inter: Dense                                       // intermediate.dense (I, C) out,in
        let out: Dense                                         // output.dense (C, I) out,in

        static func table(_ d: ModelDimensions) -> [WeightEntry] {
            let c = d.encoderWidth, i = d.encoderInner, a = "attention.attention."
            return [
                .floats("layernorm_before.weight", [c], \ViTLayer.lnBeforeW),
                .floats("layernorm_before.bias", [c], \ViTLayer.lnBeforeB),
                .linear(a + "query", out: c, in: c, bias: d.qkvBias, \ViTLayer.q),
                .linear(a + "key", out: c, in: c, bias: d.qkvBias, \ViTLayer.k),
                .linear(a + "value", out: c, in: c, bias: d.qkvBias, \ViTLayer.v),
                .linear("attention.output.dense", out: c, in: c, \ViTLayer.attnOut),
                .floats("layernorm_after.weight", [c], \ViTLayer.lnAfterW),
                .floats("layernorm_after.bias", [c], \ViTLayer.lnAfterB),
                .linear("intermediate.dense", out: i, in: c, \ViTLayer.inter),
                .linear("output.dense", out: c, in: i, \ViTLayer.out),
            ]
        }

        fileprivate init(_ t: Loaded<ViTLayer>) {
            lnBeforeW = t[\.lnBeforeW]; lnBeforeB = t[\.lnBeforeB]
            q = t[\.q]; k = t[\.k]; v = t[\.v]; attnOut = t[\.attnOut]
            lnAfterW = t[\.lnAfterW]; lnAfterB = t[\.lnAfterB]
            inter = t[\.inter]; out = t[\.out]
        }
    }

    /// One GPT-2 block with cross-attention; keys under `decoder.transformer.h.{i}.`.
    struct GPT2Layer {
        let ln1W, ln1B: UnsafePointer<Float>                   // ln_1 (C)
        let attn: Dense                                        // attn.c_attn (C, 3C) in,out
        let attnProj: Dense                                    // attn.c_proj (C, C)
        let lnCrossW, lnCrossB: UnsafePointer<Float>           // ln_cross_attn (C)
        let crossQ: Dense                                      // crossattention.q_attn (C, C)
        let crossKV: Dense                                     // crossattention.c_attn (C, 2C)
        let crossProj: Dense                                   // crossattention.c_proj (C, C)
        let ln2W, ln2B: UnsafePointer<Float>                   // ln_2 (C)
        let fc: Dense                                          // mlp.c_fc (C, I)
        let mlpProj: Dense                                     // mlp.c_proj (I, C)

        static func table(_ d: ModelDimensions) -> [WeightEntry] {
            let c = d.decoderWidth, i = d.decoderInner
            return [
                .floats("ln_1.weight", [c], \GPT2Layer.ln1W), .floats("ln_1.bias", [c], \GPT2Layer.ln1B),
                .conv1D("attn.c_attn", in: c, out: 3 * c, \GPT2Layer.attn),
                .conv1D("attn.c_proj", in: c, out: c, \GPT2Layer.attnProj),
                .floats("ln_cross_attn.weight", [c], \GPT2Layer.lnCrossW),
                .floats("ln_cross_attn.bias", [c], \GPT2Layer.lnCrossB),
                .conv1D("crossattention.q_attn", in: c, out: c, \GPT2Layer.crossQ),
                .conv1D("crossattention.c_attn", in: c, out: 2 * c, \GPT2Layer.crossKV),
                .conv1D("crossattention.c_proj", in: c, out: c, \GPT2Layer.crossProj),
                .floats("ln_2.weight", [c], \GPT2Layer.ln2W), .floats("ln_2.bias", [c], \GPT2Layer.ln2B),
                .conv1D("mlp.c_fc", in: c, out: i, \GPT2Layer.fc),
                .conv1D("mlp.c_proj", in: i, out: c, \GPT2Layer.mlpProj),
            ]
        }

        fileprivate init(_ t: Loaded<GPT2Layer>) {
            ln1W = t[\.ln1W]; ln1B = t[\.ln1B]; attn = t[\.attn]; attnProj = t[\.attnProj]
            lnCrossW = t[\.lnCrossW]; lnCrossB = t[\.lnCrossB]
            crossQ = t[\.crossQ]; crossKV = t[\.crossKV]; crossProj = t[\.crossProj]
            ln2W = t[\.ln2W]; ln2B = t[\.ln2B]; fc = t[\.fc]; mlpProj = t[\.mlpProj]
        }
    }

    // encoder.embeddings.*
    let patch: Dense                      // patch_embeddings.projection (C, ch, P, P) = (C, ch*P*P) out,in
    let clsToken: UnsafePointer<Float>    // cls_token (1, 1, C)
    let posEmbed: UnsafePointer<Float>    // position_embeddings (1, 1+N, C)
    let vitLayers: [ViTLayer]
    let vitLnW, vitLnB: UnsafePointer<Float>  // encoder.layernorm (C)
    // enc_to_dec_proj (Cd, Ce) out,in -- only when widths differ
    let proj: Dense?
    // decoder.transformer.*
    let wte: Dense                        // wte.weight (V, Cd) out,in; also the LM head when tied
    let wpe: UnsafePointer<Float>         // wpe.weight (n_positions, Cd)
    let gptLayers: [GPT2Layer]
    let lnfW, lnfB: UnsafePointer<Float>  // ln_f (Cd)
    let lmHead: Dense                     // decoder.lm_head.weight (V, Cd), or wte when tied

    /// Suffixes of checkpoint keys that are buffers, not weights (see the type comment).
    static let ignoredKeyPatterns = [".attn.bias", ".attn.masked_bias",
                                     ".crossattention.bias", ".crossattention.masked_bias"]

    static let vitLayerPrefix = "encoder.encoder.layer.", gptLayerPrefix = "decoder.transformer.h."

    /// The tensors outside the layers, in load order.
    static func table(_ d: ModelDimensions) -> [WeightEntry] {
        let ce = d.encoderWidth, cd = d.decoderWidth, e = "encoder.embeddings.", g = "decoder.transformer."
        var rows: [WeightEntry] = [
            // The Conv2d weight (C, ch, P, P) read flat is the (out, in) Linear of unfolded patches.
            WeightEntry(key: e + "patch_embeddings.projection.weight", shape: [ce, d.channels, d.patch, d.patch],
                        use: .matrix(field: \ModelWeights.patch, out: ce, in: d.channels * d.patch * d.patch,
                                     layout: .outIn, bias: e + "patch_embeddings.projection.bias")),
            .floats(e + "cls_token", [1, 1, ce], \ModelWeights.clsToken),
            .floats(e + "position_embeddings", [1, d.encoderTokens, ce], \ModelWeights.posEmbed),
            .floats("encoder.layernorm.weight", [ce], \ModelWeights.vitLnW),
            .floats("encoder.layernorm.bias", [ce], \ModelWeights.vitLnB),
            WeightEntry(key: "encoder.pooler.dense.weight", shape: [ce, ce], use: .unused),
            WeightEntry(key: "encoder.pooler.dense.bias", shape: [ce], use: .unused),
        ]
        if d.hasProjection { rows.append(.linear("enc_to_dec_proj", out: cd, in: ce, \ModelWeights.proj)) }
        rows += [
            .linear(g + "wte", out: d.vocab, in: cd, bias: false, \ModelWeights.wte),
            .floats(g + "wpe.weight", [d.positions, cd], \ModelWeights.wpe),
            .floats(g + "ln_f.weight", [cd], \ModelWeights.lnfW),
            .floats(g + "ln_f.bias", [cd], \ModelWeights.lnfB),
            d.tiedLMHead
                ? WeightEntry(key: "decoder.lm_head.weight", shape: [d.vocab, cd], use: .tiedCopy(of: g + "wte.weight"))
                : .linear("decoder.lm_head", out: d.vocab, in: cd, bias: false, \ModelWeights.lmHead),
        ]
        return rows
    }

    /// Every row of the key table with its full key, in load order: the tensors outside the
    /// layers, then each ViT layer, then each GPT-2 block.
    static func keyTable(_ d: ModelDimensions) -> [WeightEntry] {
        let vit = ViTLayer.table(d), gpt = GPT2Layer.table(d)
        return table(d)
            + (0..<d.encoderLayers).flatMap { i in vit.map { $0.prefixed(vitLayerPrefix + "\(i).") } }
            + (0..<d.decoderLayers).flatMap { i in gpt.map { $0.prefixed(gptLayerPrefix + "\(i).") } }
    }

    /// Checks every shape in the key table against `source` before reading any tensor's data,
    /// then takes every tensor and lets the source reject anything unexpected.
    init(dims d: ModelDimensions, source: WeightSource) throws {
        try Self.checkShapes(Self.keyTable(d), in: source)
        let top = try Loaded<ModelWeights>(Self.table(d), from: source)
        patch = top[\.patch]
        clsToken = top[\.clsToken]
        posEmbed = top[\.posEmbed]
        vitLayers = try (0..<d.encoderLayers).map { i in
            ViTLayer(try Loaded(ViTLayer.table(d).map { $0.prefixed(Self.vitLayerPrefix + "\(i).") }, from: source))
        }
        vitLnW = top[\.vitLnW]
        vitLnB = top[\.vitLnB]
        proj = top[optional: \.proj]
        wte = top[\.wte]
        wpe = top[\.wpe]
        gptLayers = try (0..<d.decoderLayers).map { i in
            GPT2Layer(try Loaded(GPT2Layer.table(d).map { $0.prefixed(Self.gptLayerPrefix + "\(i).") }, from: source))
        }
        lnfW = top[\.lnfW]
        lnfB = top[\.lnfB]
        lmHead = d.tiedLMHead ? wte : top[\.lmHead]
        try source.finish(ignoring: Self.ignoredKeyPatterns)
    }

    /// Names the first tensor that is missing or misshapen, reading only the stored shapes. The
    /// unused rows (the pooler) are checked only when the checkpoint has one of them, and then all.
    static func checkShapes(_ rows: [WeightEntry], in source: WeightSource) throws {
        let unused = rows.filter { if case .unused = $0.use { return true } else { return false } }
        let checkUnused = unused.contains { source.contains($0.key) }
        for row in rows {
            switch row.use {
            case .floats:
                try source.checkShape(row.key, row.shape, matrix: nil)
            case .matrix(_, let out, let n, _, let bias):
                try source.checkShape(row.key, row.shape, matrix: (out, n))
                if let bias { try source.checkShape(bias, [out], matrix: nil) }
            case .unused:
                if checkUnused { try source.checkShape(row.key, row.shape, matrix: nil) }
            case .tiedCopy:
                if source.contains(row.key) { try source.checkShape(row.key, row.shape, matrix: nil) }
            }
        }
    }

    /// The tensors of one table, taken from the source and filed by the field they go into.
    fileprivate struct Loaded<Root> {
        private var floats: [AnyKeyPath: UnsafePointer<Float>] = [:]
        private var dense: [AnyKeyPath: Dense] = [:]

        init(_ rows: [WeightEntry], from source: WeightSource) throws {
            for row in rows {
                switch row.use {
                case .floats(let field):
                    floats[field] = try source.floats(row.key, shape: row.shape)
                case .matrix(let field, let out, let n, let layout, let bias):
                    let b = try bias.map { try source.floats($0, shape: [out]) }
                    dense[field] = try source.dense(row.key, shape: row.shape, outFeatures: out, inFeatures: n,
                                                    inOut: layout == .inOut, bias: b)
                case .unused:
                    try source.takeUnused(row.key, shape: row.shape)
                case .tiedCopy(let tiedTo):
                    try source.checkTiedCopy(row.key, of: tiedTo, shape: row.shape)
                }
            }
        }

        // A field with no row in its table is a programming error, caught by loading any model.
        subscript(_ field: KeyPath<Root, UnsafePointer<Float>>) -> UnsafePointer<Float> {
            guard let p = floats[field] else { preconditionFailure("\(field) has no row in the key table") }
            return p
        }

        subscript(_ field: KeyPath<Root, Dense>) -> Dense {
            guard let m = dense[field] else { preconditionFailure("\(field) has no row in the key table") }
            return m
        }

        subscript(optional field: KeyPath<Root, Dense?>) -> Dense? { dense[field] }
    }
}

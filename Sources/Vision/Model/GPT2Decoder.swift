import Foundation

/// The GPT-2 decoder with cross-attention of transformers' `GPT2LMHeadModel` (modeling_gpt2.py,
/// 4.40), run incrementally over a `DecoderState`. Immutable.
///
/// Block: `x += attn(ln_1(x))`, `x += crossattention(ln_cross_attn(x), image)`,
/// `x += mlp(ln_2(x))`; then `ln_f` and logits = h · lm_head^T.
struct GPT2Decoder: @unchecked Sendable {
    let d: ModelDimensions
    let w: ModelWeights

    /// Computes the cross-attention K|V of every layer from the encoder's `last_hidden_state`
    /// `(S, Ce)` (after `enc_to_dec_proj` when the widths differ), once per image. GPT-2 recomputes
    /// them at every step and for every beam from identical inputs; computing them once gives the
    /// same values. Resets the self-attention cache.
    func setEncoderOutput(_ encoder: UnsafePointer<Float>, state st: DecoderState) {
        let s = d.encoderTokens, c = d.decoderWidth
        var projected: [Float] = []
        var states = encoder
        if let pw = w.projW {
            projected = [Float](repeating: 0, count: s * c)   // (S, C)
            Kernels.affine(encoder, rows: s, inFeatures: d.encoderWidth, outFeatures: c, weight: pw,
                           weightIsOutIn: true, bias: w.projB, into: &projected)
        }
        projected.withUnsafeBufferPointer { pb in
            if w.projW != nil { states = pb.baseAddress! }
            for (i, layer) in w.gptLayers.enumerated() {
                Kernels.affine(states, rows: s, inFeatures: c, outFeatures: 2 * c, weight: layer.crossKVW,
                               weightIsOutIn: false, bias: layer.crossKVB, into: st.crossKV + i * s * 2 * c)
            }
        }
        st.length = 0
    }

    /// Feeds `step` tokens per row (`tokens` is `(B, step)` row-major) at positions
    /// `st.length ..< st.length + step`, appends their keys/values to the cache, and leaves the
    /// logits of each row's last token in `st.logits` `(B, V)`. Allocates nothing.
    func forward(tokens: UnsafePointer<Int>, step t: Int, state st: DecoderState) {
        precondition(t >= 1 && t <= st.maxStep && st.length + t <= st.capacity, "decoder step out of range")
        let b = st.rows, c = d.decoderWidth, nh = d.decoderHeads, hd = c / nh
        let r = b * t, s = d.encoderTokens, start = st.length, total = start + t
        let x = st.x, h = st.h, qkv = st.qkv, ctx = st.ctx, scores = st.scores

        // MARK: Embeddings: wte[token] + wpe[position]
        for row in 0..<b { for j in 0..<t {
            let tok = tokens[row * t + j]
            precondition(tok >= 0 && tok < d.vocab, "token \(tok) outside vocab")
            let dst = x + (row * t + j) * c, te = w.wte + tok * c, pe = w.wpe + (start + j) * c
            for i in 0..<c { dst[i] = te[i] + pe[i] }
        } }

        let sqrtHD = Float(Double(hd).squareRoot())
        for (li, layer) in w.gptLayers.enumerated() {
            // torch divides by sqrt(HD) and then by (layer + 1); the reorder-and-upcast path
            // instead folds both into the matmul's alpha.
            let inverseIdx = Float(li + 1)
            var scaleFactor = 1.0
            if d.scaleAttnWeights { scaleFactor /= Double(hd).squareRoot() }
            if d.scaleAttnByInverseLayerIdx { scaleFactor /= Double(li + 1) }
            func scale(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
                if d.reorderAndUpcastAttn { return }
                if d.scaleAttnWeights { for i in 0..<n { p[i] /= sqrtHD } }
                if d.scaleAttnByInverseLayerIdx { for i in 0..<n { p[i] /= inverseIdx } }
            }
            let alpha: Float = d.reorderAndUpcastAttn ? Float(scaleFactor) : 1

            // MARK: Causal self-attention
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.ln1W, bias: layer.ln1B, eps: d.decoderEps, into: h)
            Kernels.affine(h, rows: r, inFeatures: c, outFeatures: 3 * c, weight: layer.attnW, weightIsOutIn: false,
                           bias: layer.attnB, into: qkv)
            for row in 0..<b {
                let kRow = st.cacheRow(st.kCache, layer: li, row: row), vRow = st.cacheRow(st.vCache, layer: li, row: row)
                for j in 0..<t {
                    let src = qkv + (row * t + j) * 3 * c
                    (kRow + (start + j) * c).update(from: src + c, count: c)
                    (vRow + (start + j) * c).update(from: src + 2 * c, count: c)
                }
                for head in 0..<nh {
                    let off = head * hd
                    // (t, total) = Q (t, HD) · K (total, HD)^T
                    Kernels.gemm(m: t, n: total, k: hd, alpha: alpha, a: qkv + row * t * 3 * c + off, lda: 3 * c,
                                 b: kRow + off, ldb: c, bTransposed: true, beta: 0, c: scores, ldc: total)
                    scale(scores, t * total)
                    for j in 0..<t {
                        let p = scores + j * total, valid = start + j + 1
                        Kernels.softmaxRow(p, valid: valid)
                        for i in valid..<total { p[i] = 0 }
                    }
                    Kernels.gemm(m: t, n: hd, k: total, a: scores, lda: total, b: vRow + off, ldb: c,
                                 bTransposed: false, beta: 0, c: ctx + row * t * c + off, ldc: c)
                }
            }
            Kernels.affine(ctx, rows: r, inFeatures: c, outFeatures: c, weight: layer.attnProjW, weightIsOutIn: false,
                           bias: layer.attnProjB, into: h)
            Kernels.addInPlace(x, h, count: r * c)

            // MARK: Cross-attention over the image, all rows of all beams in one matmul per head
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.lnCrossW, bias: layer.lnCrossB, eps: d.decoderEps, into: h)
            Kernels.affine(h, rows: r, inFeatures: c, outFeatures: c, weight: layer.crossQW, weightIsOutIn: false,
                           bias: layer.crossQB, into: qkv)
            let kv = st.crossKV + li * s * 2 * c
            for head in 0..<nh {
                let off = head * hd
                Kernels.gemm(m: r, n: s, k: hd, alpha: alpha, a: qkv + off, lda: c, b: kv + off, ldb: 2 * c,
                             bTransposed: true, beta: 0, c: scores, ldc: s)
                scale(scores, r * s)
                for j in 0..<r { Kernels.softmaxRow(scores + j * s, valid: s) }
                Kernels.gemm(m: r, n: hd, k: s, a: scores, lda: s, b: kv + c + off, ldb: 2 * c,
                             bTransposed: false, beta: 0, c: ctx + off, ldc: c)
            }
            Kernels.affine(ctx, rows: r, inFeatures: c, outFeatures: c, weight: layer.crossProjW, weightIsOutIn: false,
                           bias: layer.crossProjB, into: h)
            Kernels.addInPlace(x, h, count: r * c)

            // MARK: MLP
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.ln2W, bias: layer.ln2B, eps: d.decoderEps, into: h)
            Kernels.affine(h, rows: r, inFeatures: c, outFeatures: d.decoderInner, weight: layer.fcW, weightIsOutIn: false,
                           bias: layer.fcB, into: st.inner)
            d.decoderActivation.apply(st.inner, count: r * d.decoderInner)
            Kernels.affine(st.inner, rows: r, inFeatures: d.decoderInner, outFeatures: c, weight: layer.mlpProjW,
                           weightIsOutIn: false, bias: layer.mlpProjB, into: h)
            Kernels.addInPlace(x, h, count: r * c)
        }
        st.length = total

        // MARK: Final LayerNorm and LM head, last token of each row only
        for row in 0..<b {
            Kernels.layerNorm(x + (row * t + t - 1) * c, rows: 1, width: c, weight: w.lnfW, bias: w.lnfB,
                              eps: d.decoderEps, into: st.last + row * c)
        }
        Kernels.gemm(m: b, n: d.vocab, k: c, a: st.last, lda: c, b: w.lmHead, ldb: c, bTransposed: true,
                     beta: 0, c: st.logits, ldc: d.vocab)
    }
}

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
        let widenedCount = w.gptLayers.reduce(w.proj?.scratchCount(rows: s) ?? 0) { max($0, $1.crossKV.scratchCount(rows: s)) }
        let scratch = widenedCount > 0 ? UnsafeMutablePointer<Float>.allocate(capacity: widenedCount) : nil
        defer { scratch?.deallocate() }
        var projected: [Float] = []
        if let proj = w.proj {
            projected = [Float](repeating: 0, count: s * c)   // (S, C)
            proj.apply(encoder, rows: s, into: &projected, scratch: scratch)
        }
        projected.withUnsafeBufferPointer { pb in
            let states = w.proj != nil ? pb.baseAddress! : encoder
            for (i, layer) in w.gptLayers.enumerated() {
                layer.crossKV.apply(states, rows: s, into: st.crossKV + i * s * 2 * c, scratch: scratch)
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
            let dst = x + (row * t + j) * c, pe = w.wpe + (start + j) * c
            w.wte.row(tok, into: dst)
            for i in 0..<c { dst[i] += pe[i] }
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
            layer.attn.apply(h, rows: r, into: qkv)
            for row in 0..<b {
                let kRow = st.cacheRow(st.kCache, layer: li, row: row), vRow = st.cacheRow(st.vCache, layer: li, row: row)
                for j in 0..<t {
                    let src = qkv + (row * t + j) * 3 * c
                    (kRow + (start + j) * c).update(from: src + c, count: c)
                    (vRow + (start + j) * c).update(from: src + 2 * c, count: c)
                }
                if t == 1 {
                    // One query per head: dot products against the cache, no BLAS call.
                    let q = qkv + row * 3 * c
                    for head in 0..<nh {
                        let off = head * hd
                        Kernels.dots(q + off, rows: kRow + off, stride: c, count: total, width: hd, alpha: alpha, into: scores)
                        scale(scores, total)
                        Kernels.softmaxRow(scores, valid: total)
                        Kernels.weightedSum(scores, rows: vRow + off, stride: c, count: total, width: hd, into: ctx + row * c + off)
                    }
                    continue
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
            layer.attnProj.apply(ctx, rows: r, into: h)
            Kernels.addInPlace(x, h, count: r * c)

            // MARK: Cross-attention over the image, all rows of all beams in one matmul per head
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.lnCrossW, bias: layer.lnCrossB, eps: d.decoderEps, into: h)
            layer.crossQ.apply(h, rows: r, into: qkv)
            let kv = st.crossKV + li * s * 2 * c
            if r <= Dense.smallBatch {
                // One (row, head) per pool part, each with its own (S) scores.
                let q = qkv
                ThreadPool.shared.run(r * nh) { part in
                    let j = part / nh, off = (part % nh) * hd, sc = scores + part * s
                    Kernels.dots(q + j * c + off, rows: kv + off, stride: 2 * c, count: s, width: hd, alpha: alpha, into: sc)
                    scale(sc, s)
                    Kernels.softmaxRow(sc, valid: s)
                    Kernels.weightedSum(sc, rows: kv + c + off, stride: 2 * c, count: s, width: hd, into: ctx + j * c + off)
                }
            } else { for head in 0..<nh {
                let off = head * hd
                Kernels.gemm(m: r, n: s, k: hd, alpha: alpha, a: qkv + off, lda: c, b: kv + off, ldb: 2 * c,
                             bTransposed: true, beta: 0, c: scores, ldc: s)
                scale(scores, r * s)
                for j in 0..<r { Kernels.softmaxRow(scores + j * s, valid: s) }
                Kernels.gemm(m: r, n: hd, k: s, a: scores, lda: s, b: kv + c + off, ldb: 2 * c,
                             bTransposed: false, beta: 0, c: ctx + off, ldc: c)
            } }
            layer.crossProj.apply(ctx, rows: r, into: h)
            Kernels.addInPlace(x, h, count: r * c)

            // MARK: MLP
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.ln2W, bias: layer.ln2B, eps: d.decoderEps, into: h)
            layer.fc.apply(h, rows: r, into: st.inner)
            d.decoderActivation.apply(st.inner, count: r * d.decoderInner)
            layer.mlpProj.apply(st.inner, rows: r, into: h)
            Kernels.addInPlace(x, h, count: r * c)
        }
        st.length = total

        // MARK: Final LayerNorm and LM head, last token of each row only
        for row in 0..<b {
            Kernels.layerNorm(x + (row * t + t - 1) * c, rows: 1, width: c, weight: w.lnfW, bias: w.lnfB,
                              eps: d.decoderEps, into: st.last + row * c)
        }
        w.lmHead.apply(st.last, rows: b, into: st.logits)
    }
}

import Foundation

/// The GPT-2 decoder with cross-attention of transformers' `GPT2LMHeadModel` (modeling_gpt2.py,
/// 4.40), run incrementally over a `DecoderState`. Immutable.
///
/// Block: `x += attn(ln_1(x))`, `x += crossattention(ln_cross_attn(x), image)`,
/// `x += mlp(ln_2(x))`; then `ln_f` and logits = h · lm_head^T.
/// Unchecked Sendable because immutable: `w` holds pointers to weights that nothing writes after loading.
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
        let r = st.rows * t, c = d.decoderWidth
        let x = st.x, h = st.h
        embed(tokens, step: t, state: st)
        for (li, layer) in w.gptLayers.enumerated() {
            let scale = AttentionScale(d, layer: li)
            // x += attn(ln_1(x))
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.ln1W, bias: layer.ln1B, eps: d.decoderEps, into: h)
            selfAttention(layer, index: li, scale: scale, step: t, state: st)
            Kernels.addInPlace(x, h, count: r * c)
            // x += crossattention(ln_cross_attn(x), image)
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.lnCrossW, bias: layer.lnCrossB, eps: d.decoderEps, into: h)
            crossAttention(layer, index: li, scale: scale, rows: r, state: st)
            Kernels.addInPlace(x, h, count: r * c)
            // x += mlp(ln_2(x))
            Kernels.layerNorm(x, rows: r, width: c, weight: layer.ln2W, bias: layer.ln2B, eps: d.decoderEps, into: h)
            mlp(layer, rows: r, state: st)
            Kernels.addInPlace(x, h, count: r * c)
        }
        st.length += t
        lmHead(step: t, state: st)
    }

    // MARK: Embeddings

    /// `x (R, C) = wte[token] + wpe[position]`.
    private func embed(_ tokens: UnsafePointer<Int>, step t: Int, state st: DecoderState) {
        let c = d.decoderWidth
        for row in 0..<st.rows { for j in 0..<t {
            let tok = tokens[row * t + j]
            precondition(tok >= 0 && tok < d.vocab, "token \(tok) outside vocab")
            let dst = st.x + (row * t + j) * c, pe = w.wpe + (st.length + j) * c
            w.wte.row(tok, into: dst)
            for i in 0..<c { dst[i] += pe[i] }
        } }
    }

    // MARK: Causal self-attention

    /// `h (R, C) = attn(h)`: q|k|v of the new tokens, their k and v appended to the cache at
    /// `st.length ..< st.length + t`, each new token attending to the cache up to itself.
    private func selfAttention(_ layer: ModelWeights.GPT2Layer, index li: Int, scale: AttentionScale,
                               step t: Int, state st: DecoderState) {
        let c = d.decoderWidth, hd = c / d.decoderHeads, start = st.length, total = start + t
        let qkv = st.qkv, ctx = st.ctx
        layer.attn.apply(st.h, rows: st.rows * t, into: qkv)
        for row in 0..<st.rows {
            let kRow = st.cacheRow(st.kCache, layer: li, row: row), vRow = st.cacheRow(st.vCache, layer: li, row: row)
            for j in 0..<t {
                let src = qkv + (row * t + j) * 3 * c
                (kRow + (start + j) * c).update(from: src + c, count: c)
                (vRow + (start + j) * c).update(from: src + 2 * c, count: c)
            }
            for off in stride(from: 0, to: c, by: hd) {
                if t == 1 {
                    // One query per head: dot products against the cache, no BLAS call.
                    attendOne(qkv + row * 3 * c + off, keys: kRow + off, values: vRow + off, stride: c, count: total,
                              scale: scale, scores: st.scores, into: ctx + row * c + off)
                } else {
                    attendMany(qkv + row * t * 3 * c + off, queries: t, lda: 3 * c, keys: kRow + off, values: vRow + off,
                               stride: c, count: total, causalStart: start, scale: scale, scores: st.scores,
                               into: ctx + row * t * c + off)
                }
            }
        }
        layer.attnProj.apply(ctx, rows: st.rows * t, into: st.h)
    }

    // MARK: Cross-attention over the image

    /// `h (R, C) = crossattention(h, image)`: every row of every beam attends to the image's
    /// cross K|V `(S, 2C)` computed once by `setEncoderOutput`.
    private func crossAttention(_ layer: ModelWeights.GPT2Layer, index li: Int, scale: AttentionScale,
                                rows r: Int, state st: DecoderState) {
        let c = d.decoderWidth, nh = d.decoderHeads, hd = c / nh, s = d.encoderTokens
        let q = st.qkv, ctx = st.ctx, scores = st.scores   // q (R, C) in the first R*C floats of qkv
        let kv = st.crossKV + li * s * 2 * c
        layer.crossQ.apply(st.h, rows: r, into: q)
        if r <= Dense.smallBatch {
            // One (row, head) per pool part, each with its own (S) scores.
            ThreadPool.shared.run(r * nh) { part in
                let j = part / nh, off = (part % nh) * hd
                attendOne(q + j * c + off, keys: kv + off, values: kv + c + off, stride: 2 * c, count: s,
                          scale: scale, scores: scores + part * s, into: ctx + j * c + off)
            }
        } else {
            // All rows of all beams in one matmul per head.
            for off in stride(from: 0, to: c, by: hd) {
                attendMany(q + off, queries: r, lda: c, keys: kv + off, values: kv + c + off, stride: 2 * c, count: s,
                           causalStart: nil, scale: scale, scores: scores, into: ctx + off)
            }
        }
        layer.crossProj.apply(ctx, rows: r, into: st.h)
    }

    // MARK: MLP

    /// `h (R, C) = c_proj(act(c_fc(h)))`, through `st.inner (R, I)`.
    private func mlp(_ layer: ModelWeights.GPT2Layer, rows r: Int, state st: DecoderState) {
        layer.fc.apply(st.h, rows: r, into: st.inner)
        d.decoderActivation.apply(st.inner, count: r * d.decoderInner)
        layer.mlpProj.apply(st.inner, rows: r, into: st.h)
    }

    // MARK: Final LayerNorm and LM head

    /// `logits (B, V) = ln_f(x[last token of each row]) · lm_head^T`.
    private func lmHead(step t: Int, state st: DecoderState) {
        let c = d.decoderWidth
        for row in 0..<st.rows {
            Kernels.layerNorm(st.x + (row * t + t - 1) * c, rows: 1, width: c, weight: w.lnfW, bias: w.lnfB,
                              eps: d.decoderEps, into: st.last + row * c)
        }
        w.lmHead.apply(st.last, rows: st.rows, into: st.logits)
    }

    // MARK: Attention of one head

    /// One query `(HD)` against `count` key and value rows `stride` apart: scores `(count)`,
    /// softmax, then `ctx (HD) = scores · V`. Inlined: it runs once per (row, head) and layer, and
    /// a call per head would cost tiny models a few tenths of a percent.
    @inline(__always)
    private func attendOne(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
                           stride: Int, count: Int, scale: AttentionScale,
                           scores: UnsafeMutablePointer<Float>, into ctx: UnsafeMutablePointer<Float>) {
        let hd = d.decoderWidth / d.decoderHeads
        Kernels.dots(q, rows: keys, stride: stride, count: count, width: hd, alpha: scale.alpha, into: scores)
        scale.apply(scores, count)
        Kernels.softmaxRow(scores, valid: count)
        Kernels.weightedSum(scores, rows: values, stride: stride, count: count, width: hd, into: ctx)
    }

    /// `queries` rows (`lda` apart) against `count` key and value rows (`stride` apart) by two
    /// matmuls through scores `(queries, count)`, into ctx rows `C` apart. With `causalStart`,
    /// query j (at position causalStart + j) sees only keys up to its own position.
    private func attendMany(_ q: UnsafePointer<Float>, queries m: Int, lda: Int, keys: UnsafePointer<Float>,
                            values: UnsafePointer<Float>, stride: Int, count: Int, causalStart: Int?,
                            scale: AttentionScale, scores: UnsafeMutablePointer<Float>,
                            into ctx: UnsafeMutablePointer<Float>) {
        let hd = d.decoderWidth / d.decoderHeads
        // (m, count) = Q (m, HD) · K (count, HD)^T
        Kernels.gemm(m: m, n: count, k: hd, alpha: scale.alpha, a: q, lda: lda, b: keys, ldb: stride,
                     bTransposed: true, beta: 0, c: scores, ldc: count)
        scale.apply(scores, m * count)
        for j in 0..<m {
            let p = scores + j * count, valid = causalStart.map { $0 + j + 1 } ?? count
            Kernels.softmaxRow(p, valid: valid)
            for i in valid..<count { p[i] = 0 }
        }
        Kernels.gemm(m: m, n: hd, k: count, a: scores, lda: count, b: values, ldb: stride,
                     bTransposed: false, beta: 0, c: ctx, ldc: d.decoderWidth)
    }
}

/// GPT-2's attention scaling for one layer, applied exactly as torch does: scores divided by
/// sqrt(HD) and then by (layer + 1), each as its own float division; the reorder-and-upcast path
/// instead folds both into the score matmul's alpha.
struct AttentionScale {
    /// The factor the score products are multiplied by (1 unless reorder-and-upcast).
    let alpha: Float
    private let sqrtHD: Float, inverseIdx: Float
    private let divideByRoot: Bool, divideByLayer: Bool

    init(_ d: ModelDimensions, layer li: Int) {
        let hd = d.decoderWidth / d.decoderHeads
        var factor = 1.0
        if d.scaleAttnWeights { factor /= Double(hd).squareRoot() }
        if d.scaleAttnByInverseLayerIdx { factor /= Double(li + 1) }
        alpha = d.reorderAndUpcastAttn ? Float(factor) : 1
        sqrtHD = Float(Double(hd).squareRoot())
        inverseIdx = Float(li + 1)
        divideByRoot = d.scaleAttnWeights && !d.reorderAndUpcastAttn
        divideByLayer = d.scaleAttnByInverseLayerIdx && !d.reorderAndUpcastAttn
    }

    /// Divides `n` scores in place (nothing on the reorder-and-upcast path).
    @inline(__always)
    func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if divideByRoot { for i in 0..<n { p[i] /= sqrtHD } }
        if divideByLayer { for i in 0..<n { p[i] /= inverseIdx } }
    }
}

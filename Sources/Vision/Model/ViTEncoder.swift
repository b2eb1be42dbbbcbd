import CKernels
import Foundation

/// The ViT encoder of transformers' `ViTModel` (modeling_vit.py, 4.40): patch embedding, CLS
/// token, position embeddings, pre-LayerNorm blocks, final LayerNorm. Immutable; `forward`
/// allocates its scratch once per image, in one block.
/// Unchecked Sendable because immutable after load: its layers hold pointers to weights nothing writes again.
struct ViTEncoder: @unchecked Sendable {
    let d: ModelDimensions
    let w: ModelWeights

    /// `last_hidden_state` `(S, Ce)` for `pixels` `(channels, H, W)` with H = W = image_size.
    func forward(pixels: UnsafePointer<Float>) -> [Float] {
        let c = d.encoderWidth, s = d.encoderTokens, n = s - 1, side = d.patchesPerSide
        let p = d.patch, img = d.imageSize, k = d.channels * p * p, heads = d.encoderHeads
        let scratchCount = w.vitLayers.reduce(w.patch.scratchCount(rows: n)) {
            max($0, $1.q.scratchCount(rows: s), $1.attnOut.scratchCount(rows: s),
                $1.inter.scratchCount(rows: s), $1.out.scratchCount(rows: s))
        }
        let fusedAttention = ck_attention_supported(c / heads) != 0
        let scoresPerHead = fusedAttention ? ck_attention_scratch(s, c / heads) : s * s
        // One allocation for everything, carved below.
        let sizes = [s * c, s * c, s * c, s * c, s * c, s * c, heads * scoresPerHead, s * d.encoderInner, n * k, scratchCount]
        let slab = UnsafeMutablePointer<Float>.allocate(capacity: sizes.reduce(0, +))
        defer { slab.deallocate() }
        var offset = 0
        func carve(_ i: Int) -> UnsafeMutablePointer<Float> { defer { offset += sizes[i] }; return slab + offset }
        let x = carve(0)          // (S, Ce) residual stream
        let h = carve(1)          // (S, Ce) normalized, then projected
        let q = carve(2)          // (S, Ce)
        let kk = carve(3)         // (S, Ce)
        let v = carve(4)          // (S, Ce)
        let ctx = carve(5)        // (S, Ce) attention context
        let scores = carve(6)     // (heads, S, S), or each head's scratch of the attention kernel
        let inner = carve(7)      // (S, I)
        let cols = carve(8)       // (N, ch*P*P) unfolded patches
        let scratch: UnsafeMutablePointer<Float>? = scratchCount > 0 ? carve(9) : nil  // int8 matrices: the rows quantized to int8

        // MARK: Embeddings: Conv2d(kernel = stride = P) as a matmul over unfolded patches.
        for py in 0..<side { for px in 0..<side {
            let row = cols + (py * side + px) * k
            for ch in 0..<d.channels { for ky in 0..<p {
                let src = pixels + ch * img * img + (py * p + ky) * img + px * p
                (row + ch * p * p + ky * p).update(from: src, count: p)
            } }
        } }
        w.patch.apply(cols, rows: n, into: x + c, scratch: scratch)
        x.update(from: w.clsToken, count: c)
        Kernels.addInPlace(x, w.posEmbed, count: s * c)

        // MARK: Blocks
        let hd = c / heads
        let scale = Float(Double(hd).squareRoot())
        for layer in w.vitLayers {
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnBeforeW, bias: layer.lnBeforeB,
                              eps: d.encoderEps, into: h)
            Dense.apply([(layer.q, q), (layer.k, kk), (layer.v, v)], to: h, rows: s, scratch: scratch)
            // One head per pool part: Q·K^T, scale and softmax, then ·V into its columns of ctx;
            // in one C kernel where it is vectorized (AVX-512), otherwise through BLAS.
            ThreadPool.shared.run(heads) { head in
                let off = head * hd, sh = scores + head * scoresPerHead
                if fusedAttention {
                    ck_attention_head(q + off, kk + off, v + off, c, s, hd, scale, ctx + off, c, sh)
                    return
                }
                Kernels.gemm(m: s, n: s, k: hd, a: q + off, lda: c, b: kk + off, ldb: c,
                             bTransposed: true, beta: 0, c: sh, ldc: s)
                for r in 0..<s { Kernels.softmaxRow(sh + r * s, valid: s, divisor: scale) }
                Kernels.gemm(m: s, n: hd, k: s, a: sh, lda: s, b: v + off, ldb: c,
                             bTransposed: false, beta: 0, c: ctx + off, ldc: c)
            }
            layer.attnOut.apply(ctx, rows: s, into: h, scratch: scratch)
            Kernels.addInPlace(x, h, count: s * c)
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnAfterW, bias: layer.lnAfterB,
                              eps: d.encoderEps, into: h)
            layer.inter.apply(h, rows: s, into: inner, scratch: scratch)
            d.encoderActivation.apply(inner, count: s * d.encoderInner)
            layer.out.apply(inner, rows: s, into: h, scratch: scratch)
            Kernels.addInPlace(x, h, count: s * c)
        }
        Kernels.layerNorm(x, rows: s, width: c, weight: w.vitLnW, bias: w.vitLnB, eps: d.encoderEps, into: h)
        return Array(UnsafeBufferPointer(start: h, count: s * c))
    }
}

import Foundation

/// The ViT encoder of transformers' `ViTModel` (modeling_vit.py, 4.40): patch embedding, CLS
/// token, position embeddings, pre-LayerNorm blocks, final LayerNorm. Immutable; `forward`
/// allocates its scratch once per image.
struct ViTEncoder: @unchecked Sendable {
    let d: ModelDimensions
    let w: ModelWeights

    /// `last_hidden_state` `(S, Ce)` for `pixels` `(channels, H, W)` with H = W = image_size.
    func forward(pixels: UnsafePointer<Float>) -> [Float] {
        let c = d.encoderWidth, s = d.encoderTokens, n = s - 1, side = d.patchesPerSide
        let p = d.patch, img = d.imageSize, k = d.channels * p * p
        var x = [Float](repeating: 0, count: s * c)              // (S, Ce) residual stream
        var h = [Float](repeating: 0, count: s * c)              // (S, Ce) normalized
        var q = [Float](repeating: 0, count: s * c)              // (S, Ce)
        var kk = [Float](repeating: 0, count: s * c)             // (S, Ce)
        var v = [Float](repeating: 0, count: s * c)              // (S, Ce)
        var ctx = [Float](repeating: 0, count: s * c)            // (S, Ce) attention context
        var scores = [Float](repeating: 0, count: s * s)         // (S, S) one head
        var inner = [Float](repeating: 0, count: s * d.encoderInner) // (S, I)
        var cols = [Float](repeating: 0, count: n * k)           // (N, ch*P*P) unfolded patches
        // An int8 matrix widened for sgemm (int8 mode only; empty for fp32).
        let widenedCount = w.vitLayers.reduce(w.patch.scratchCount(rows: n)) {
            max($0, $1.q.scratchCount(rows: s), $1.inter.scratchCount(rows: s), $1.out.scratchCount(rows: s))
        }
        let scratch = widenedCount > 0 ? UnsafeMutablePointer<Float>.allocate(capacity: widenedCount) : nil
        defer { scratch?.deallocate() }

        // MARK: Embeddings: Conv2d(kernel = stride = P) as a matmul over unfolded patches.
        cols.withUnsafeMutableBufferPointer { cb in
            for py in 0..<side { for px in 0..<side {
                let row = cb.baseAddress! + (py * side + px) * k
                for ch in 0..<d.channels { for ky in 0..<p {
                    let src = pixels + ch * img * img + (py * p + ky) * img + px * p
                    (row + ch * p * p + ky * p).update(from: src, count: p)
                } }
            } }
        }
        x.withUnsafeMutableBufferPointer { xb in
            let xp = xb.baseAddress!
            w.patch.apply(cols, rows: n, into: xp + c, scratch: scratch)
            xp.update(from: w.clsToken, count: c)
            Kernels.addInPlace(xp, w.posEmbed, count: s * c)
        }

        // MARK: Blocks
        let hd = c / d.encoderHeads
        let scale = Float(Double(hd).squareRoot())
        for layer in w.vitLayers {
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnBeforeW, bias: layer.lnBeforeB,
                              eps: d.encoderEps, into: &h)
            layer.q.apply(h, rows: s, into: &q, scratch: scratch)
            layer.k.apply(h, rows: s, into: &kk, scratch: scratch)
            layer.v.apply(h, rows: s, into: &v, scratch: scratch)
            q.withUnsafeBufferPointer { qb in kk.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            scores.withUnsafeMutableBufferPointer { sb in ctx.withUnsafeMutableBufferPointer { cb in
                for head in 0..<d.encoderHeads {
                    let off = head * hd
                    Kernels.gemm(m: s, n: s, k: hd, a: qb.baseAddress! + off, lda: c, b: kb.baseAddress! + off, ldb: c,
                                 bTransposed: true, beta: 0, c: sb.baseAddress!, ldc: s)
                    for i in 0..<(s * s) { sb[i] /= scale }
                    for r in 0..<s { Kernels.softmaxRow(sb.baseAddress! + r * s, valid: s) }
                    Kernels.gemm(m: s, n: hd, k: s, a: sb.baseAddress!, lda: s, b: vb.baseAddress! + off, ldb: c,
                                 bTransposed: false, beta: 0, c: cb.baseAddress! + off, ldc: c)
                }
            } } } } }
            layer.attnOut.apply(ctx, rows: s, into: &h, scratch: scratch)
            Kernels.addInPlace(&x, h, count: s * c)
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnAfterW, bias: layer.lnAfterB, eps: d.encoderEps, into: &h)
            layer.inter.apply(h, rows: s, into: &inner, scratch: scratch)
            d.encoderActivation.apply(&inner, count: inner.count)
            layer.out.apply(inner, rows: s, into: &h, scratch: scratch)
            Kernels.addInPlace(&x, h, count: s * c)
        }
        Kernels.layerNorm(x, rows: s, width: c, weight: w.vitLnW, bias: w.vitLnB, eps: d.encoderEps, into: &h)
        return h
    }
}

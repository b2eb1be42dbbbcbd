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
            Kernels.affine(cols, rows: n, inFeatures: k, outFeatures: c, weight: w.patchW,
                           weightIsOutIn: true, bias: w.patchB, into: xp + c)
            xp.update(from: w.clsToken, count: c)
            Kernels.addInPlace(xp, w.posEmbed, count: s * c)
        }

        // MARK: Blocks
        let hd = c / d.encoderHeads
        let scale = Float(Double(hd).squareRoot())
        for layer in w.vitLayers {
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnBeforeW, bias: layer.lnBeforeB,
                              eps: d.encoderEps, into: &h)
            Kernels.affine(h, rows: s, inFeatures: c, outFeatures: c, weight: layer.qW, weightIsOutIn: true, bias: layer.qB, into: &q)
            Kernels.affine(h, rows: s, inFeatures: c, outFeatures: c, weight: layer.kW, weightIsOutIn: true, bias: layer.kB, into: &kk)
            Kernels.affine(h, rows: s, inFeatures: c, outFeatures: c, weight: layer.vW, weightIsOutIn: true, bias: layer.vB, into: &v)
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
            Kernels.affine(ctx, rows: s, inFeatures: c, outFeatures: c, weight: layer.attnOutW, weightIsOutIn: true,
                           bias: layer.attnOutB, into: &h)
            Kernels.addInPlace(&x, h, count: s * c)
            Kernels.layerNorm(x, rows: s, width: c, weight: layer.lnAfterW, bias: layer.lnAfterB, eps: d.encoderEps, into: &h)
            Kernels.affine(h, rows: s, inFeatures: c, outFeatures: d.encoderInner, weight: layer.interW,
                           weightIsOutIn: true, bias: layer.interB, into: &inner)
            d.encoderActivation.apply(&inner, count: inner.count)
            Kernels.affine(inner, rows: s, inFeatures: d.encoderInner, outFeatures: c, weight: layer.outW,
                           weightIsOutIn: true, bias: layer.outB, into: &h)
            Kernels.addInPlace(&x, h, count: s * c)
        }
        Kernels.layerNorm(x, rows: s, width: c, weight: w.vitLnW, bias: w.vitLnB, eps: d.encoderEps, into: &h)
        return h
    }
}

import Foundation

/// The weight and bias of one `nn.Linear` / GPT-2 `Conv1D` / flattened patch `Conv2d`, in whichever
/// form the model was loaded: fp32 views into the checkpoint, or int8 rows with per-row scales.
///
/// `apply` picks the kernel by batch size: for fp32, BLAS `sgemm` for many rows (encoder tokens,
/// the cross-attention K/V of the image) and the streaming `MatVec` kernels for the decoder's few
/// rows; for int8, int8 arithmetic where the caller's rows share the matrix and the streaming
/// kernel otherwise.
/// Unchecked Sendable because immutable after load: it holds pointers to weights nothing writes again.
struct Dense: @unchecked Sendable {
    enum Storage {
        /// fp32 `(K, N)`: GPT-2 `Conv1D`.
        case inOut(UnsafePointer<Float>)
        /// fp32 `(N, K)`: `nn.Linear`, the LM head.
        case outIn(UnsafePointer<Float>)
        case int8(QuantizedRows)
    }

    let storage: Storage
    /// (N), or nil.
    let bias: UnsafePointer<Float>?
    let inFeatures: Int, outFeatures: Int

    /// Rows up to which the streaming kernels beat `sgemm` (they read each weight once; `sgemm`
    /// packs the matrix first, which only pays off once many rows share the packed copy).
    static let smallBatch = 8

    /// Floats of scratch `apply` needs for `rows` when the caller passes one: for an int8 matrix,
    /// the rows quantized to int8 (`QuantizedProduct`); fp32 matrices need none. The caller
    /// reuses one scratch for every matrix (under 0.7 MB for ViT-base's 197 tokens).
    func scratchCount(rows: Int) -> Int {
        if case .int8 = storage { return QuantizedProduct.scratchCount(rows: rows, inFeatures: inFeatures) }
        return 0
    }

    /// `y (R, N) = x (R, K) · W + bias`. `scratch` is for the callers whose rows share the matrix
    /// (the encoder's tokens, the image's cross-attention K/V): with it, an int8 matrix is
    /// multiplied in int8 arithmetic, the rows quantized per row (`QuantizedProduct`); without it
    /// (the decoder's beams), by the streaming kernel on fp32 rows, so the decoder's result
    /// never depends on how many beams share a step. `scratch` must hold
    /// `scratchCount(rows:)` floats.
    func apply(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>,
               scratch: UnsafeMutablePointer<Float>? = nil) {
        let k = inFeatures, n = outFeatures
        switch storage {
        case .inOut(let w):
            if rows > Self.smallBatch {
                Kernels.affine(x, rows: rows, inFeatures: k, outFeatures: n, weight: w, weightIsOutIn: false, bias: bias, into: y)
            } else {
                MatVec.rowsAxpy(x, rows: rows, k: k, n: n, weight: w, bias: bias, into: y)
            }
        case .outIn(let w):
            if rows > Self.smallBatch {
                Kernels.affine(x, rows: rows, inFeatures: k, outFeatures: n, weight: w, weightIsOutIn: true, bias: bias, into: y)
            } else {
                MatVec.rowsDot(x, rows: rows, k: k, n: n, weight: w, scale: nil, bias: bias, into: y)
            }
        case .int8(let m):
            if let scratch {
                QuantizedProduct.apply(x, rows: rows, inFeatures: k, outFeatures: n, weights: m, bias: bias,
                                       into: y, scratch: scratch)
            } else {
                MatVec.rowsDot(x, rows: rows, k: k, n: n, weight: m.q, scale: m.scale, bias: bias, into: y)
            }
        }
    }

    /// `apply` of several matrices to the same rows (the ViT query, key and value), with the
    /// same `scratch`: when all are int8, the rows are quantized once and the three products run
    /// as one pool job (`QuantizedProduct`); otherwise each is applied on its own.
    static func apply(_ matrices: [(Dense, UnsafeMutablePointer<Float>)], to x: UnsafePointer<Float>, rows: Int,
                      scratch: UnsafeMutablePointer<Float>?) {
        let int8 = matrices.compactMap { d, y -> QuantizedProduct.Output? in
            guard case .int8(let m) = d.storage, d.inFeatures == matrices[0].0.inFeatures else { return nil }
            return QuantizedProduct.Output(weights: m, outFeatures: d.outFeatures, bias: d.bias, y: y)
        }
        if let scratch, int8.count == matrices.count {
            QuantizedProduct.apply(x, rows: rows, inFeatures: matrices[0].0.inFeatures, outputs: int8, scratch: scratch)
        } else {
            for (d, y) in matrices { d.apply(x, rows: rows, into: y, scratch: scratch) }
        }
    }

    /// Row `index` of the matrix seen as `(N, K)` (an embedding row of `wte`), widened to fp32.
    /// Only for `.outIn` and `.int8`.
    func row(_ index: Int, into dst: UnsafeMutablePointer<Float>) {
        switch storage {
        case .outIn(let w): dst.update(from: w + index * inFeatures, count: inFeatures)
        case .int8(let m):
            let s = m.scale[index], src = m.q + index * inFeatures
            for i in 0..<inFeatures { dst[i] = Float(src[i]) * s }
        case .inOut: preconditionFailure("row lookup on a (K, N) matrix")
        }
    }
}

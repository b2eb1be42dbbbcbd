import Foundation

/// The weight and bias of one `nn.Linear` / GPT-2 `Conv1D` / flattened patch `Conv2d`, in whichever
/// form the model was loaded: fp32 views into the checkpoint, or int8 rows with per-row scales.
///
/// `apply` picks the kernel by batch size: BLAS `sgemm` for many rows (encoder tokens, the
/// cross-attention K/V of the image), the streaming `MatVec` kernels for the decoder's few rows.
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

    /// Floats of scratch `apply` may need for `rows`: the whole int8 matrix widened to fp32, so
    /// that many rows (encoder tokens, the image's cross-attention K/V) run through the same
    /// `sgemm` split as fp32 weights. The caller reuses one scratch for every matrix (at most
    /// 3072 x 768 floats, 9 MB, for ViT-base), so the resident set grows by one matrix, not by
    /// the model.
    func scratchCount(rows: Int) -> Int {
        if case .int8 = storage, rows > Self.smallBatch { return outFeatures * inFeatures }
        return 0
    }

    /// `y (R, N) = x (R, K) · W + bias`. `scratch`, when given, must hold `scratchCount(rows:)`
    /// floats; without it an int8 matrix is always multiplied by the streaming kernel.
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
            if rows > Self.smallBatch, let scratch {
                // Widening costs one pass over the matrix (N x K floats written, a few ms for the
                // whole encoder); multiplying the widened copy is then as fast as fp32, whereas
                // widening block by block made sgemm work on narrow, repacked pieces (measured
                // 0.29-0.36 s vs 0.23 s for the ViT-base encoder).
                MatVec.split(n, align: 1, work: n * k) { range in
                    MatVec.dequantize(m.q + range.lowerBound * k, scale: m.scale + range.lowerBound, rows: range.count,
                                      columns: k, into: scratch + range.lowerBound * k)
                }
                Kernels.affine(x, rows: rows, inFeatures: k, outFeatures: n, weight: scratch, weightIsOutIn: true,
                               bias: bias, into: y)
            } else {
                MatVec.rowsDot(x, rows: rows, k: k, n: n, weight: m.q, scale: m.scale, bias: bias, into: y)
            }
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

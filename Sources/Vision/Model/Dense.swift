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

    /// Output columns of an int8 matrix widened at a time for `sgemm`: small enough that the
    /// widened block is still in cache when `sgemm` packs it, large enough that `sgemm` does not
    /// repack the activations too often.
    static let widenBlock = 256

    /// Floats of scratch `apply` may need for `rows`: one widened block of an int8 matrix per
    /// pool thread.
    func scratchCount(rows: Int) -> Int {
        if case .int8 = storage, rows > Self.smallBatch {
            return MatVec.workers * min(Self.widenBlock, outFeatures) * inFeatures
        }
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
                // Each thread widens blocks of output rows into its own part of `scratch` and
                // multiplies them while they are in cache.
                let block = min(Self.widenBlock, n), blocks = (n + block - 1) / block
                let parts = min(MatVec.workers, blocks), bias = self.bias
                ThreadPool.shared.run(parts) { part in
                    let widened = scratch + part * block * k   // (block, K)
                    var b = part
                    while b < blocks {
                        let lo = b * block, width = min(block, n - lo)
                        MatVec.dequantize(m.q + lo * k, scale: m.scale + lo, rows: width, columns: k, into: widened)
                        if let bias { for r in 0..<rows { (y + r * n + lo).update(from: bias + lo, count: width) } }
                        Kernels.gemm(m: rows, n: width, k: k, a: x, lda: k, b: widened, ldb: k, bTransposed: true,
                                     beta: bias == nil ? 0 : 1, c: y + lo, ldc: n)
                        b += parts
                    }
                }
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

import COpenBLAS
import Foundation

/// The dense kernels every layer is built from, on row-major fp32 buffers.
///
/// Every matrix product goes through OpenBLAS `cblas_sgemm`; the rest (LayerNorm, softmax,
/// activations) are single passes over rows. Nothing here allocates.
enum Kernels {
    /// `c (M, N) = alpha * a (M, K) · op(b) + beta * c`, all row-major with explicit leading
    /// dimensions so that one head's columns of a `(T, C)` buffer can be used in place.
    /// `bTransposed` means `b` is stored `(N, K)`.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int, bTransposed: Bool,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, bTransposed ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda),
                    b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// `y (M, N) = x (M, K) · w + bias`, where `w` is stored `(K, N)` (GPT-2 `Conv1D`) or
    /// `(N, K)` (`nn.Linear`, `weightIsOutIn`). Like torch's `addmm`, the bias is the `C` operand
    /// of the product (beta = 1), not a second pass.
    static func affine(_ x: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outFeatures n: Int,
                       weight w: UnsafePointer<Float>, weightIsOutIn: Bool, bias: UnsafePointer<Float>?,
                       into y: UnsafeMutablePointer<Float>) {
        if let bias {
            for r in 0..<m { (y + r * n).update(from: bias, count: n) }
        }
        gemm(m: m, n: n, k: k, a: x, lda: k, b: w, ldb: weightIsOutIn ? k : n,
             bTransposed: weightIsOutIn, beta: bias == nil ? 0 : 1, c: y, ldc: n)
    }

    /// `torch.nn.LayerNorm` over the last dimension: biased variance, `eps` inside the square
    /// root. Statistics are accumulated in Double so rounding stays below torch's own.
    static func layerNorm(_ x: UnsafePointer<Float>, rows m: Int, width n: Int,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
                          into y: UnsafeMutablePointer<Float>) {
        for r in 0..<m {
            let xr = x + r * n, yr = y + r * n
            var sum = 0.0
            for i in 0..<n { sum += Double(xr[i]) }
            let mean = sum / Double(n)
            var sq = 0.0
            for i in 0..<n { let d = Double(xr[i]) - mean; sq += d * d }
            let rstd = 1.0 / (sq / Double(n) + Double(eps)).squareRoot()
            let meanF = Float(mean), rstdF = Float(rstd)
            for i in 0..<n { yr[i] = (xr[i] - meanF) * rstdF * weight[i] + bias[i] }
        }
    }

    /// In-place softmax of each row's first `valid` entries (entries beyond are left alone and
    /// must not be read by the caller): `exp(x - max) / sum`, as torch computes it.
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, valid n: Int) {
        var mx = -Float.infinity
        for i in 0..<n where x[i] > mx { mx = x[i] }
        var sum: Float = 0
        for i in 0..<n { let e = expf(x[i] - mx); x[i] = e; sum += e }
        for i in 0..<n { x[i] /= sum }
    }

    /// In-place `torch.log_softmax` of one row: `(x - max) - log(sum(exp(x - max)))`.
    static func logSoftmaxRow(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        var mx = -Float.infinity
        for i in 0..<n where x[i] > mx { mx = x[i] }
        var sum = 0.0
        for i in 0..<n { sum += Double(expf(x[i] - mx)) }
        let logSum = Float(log(sum))
        for i in 0..<n { x[i] = (x[i] - mx) - logSum }
    }

    /// `y += x` elementwise (the residual connections).
    @inline(__always)
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { y[i] += x[i] }
    }

    /// `out[j] = alpha * dot(q, rows[j])` for `count` rows of `width` floats, `stride` apart: one
    /// attention query against the keys, without a BLAS call.
    static func dots(_ q: UnsafePointer<Float>, rows: UnsafePointer<Float>, stride: Int, count: Int, width: Int,
                     alpha: Float, into out: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount
        for j in 0..<count {
            let kr = rows + j * stride
            var acc = Lane()
            var i = 0
            while i + l <= width { acc += Float.lane(q, i) * Float.lane(kr, i); i += l }
            var s = acc.sum()
            while i < width { s += q[i] * kr[i]; i += 1 }
            out[j] = alpha * s
        }
    }

    /// `out = sum_j p[j] * rows[j]` for `count` rows of `width` floats, `stride` apart: one
    /// attention query's context from the values.
    static func weightedSum(_ p: UnsafePointer<Float>, rows: UnsafePointer<Float>, stride: Int, count: Int, width: Int,
                            into out: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount
        var i = 0
        while i + l <= width {
            var acc = Lane()
            for j in 0..<count { acc += Lane(repeating: p[j]) * Float.lane(rows + j * stride, i) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: acc, as: Lane.self)
            i += l
        }
        while i < width {
            var s: Float = 0
            for j in 0..<count { s += p[j] * rows[j * stride + i] }
            out[i] = s
            i += 1
        }
    }
}

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
    /// of the product (beta = 1), not a second pass. Large products are split by output columns
    /// over the `ThreadPool` (OpenBLAS itself runs single-threaded; see `ThreadPool`).
    static func affine(_ x: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outFeatures n: Int,
                       weight w: UnsafePointer<Float>, weightIsOutIn: Bool, bias: UnsafePointer<Float>?,
                       into y: UnsafeMutablePointer<Float>) {
        MatVec.split(n, align: 16, work: m * n * k / 64) { cols in
            let lo = cols.lowerBound, width = cols.count
            if let bias {
                for r in 0..<m { (y + r * n + lo).update(from: bias + lo, count: width) }
            }
            gemm(m: m, n: width, k: k, a: x, lda: k, b: weightIsOutIn ? w + lo * k : w + lo, ldb: weightIsOutIn ? k : n,
                 bTransposed: weightIsOutIn, beta: bias == nil ? 0 : 1, c: y + lo, ldc: n)
        }
    }

    /// `torch.nn.LayerNorm` over the last dimension: biased variance, `eps` inside the square
    /// root. Sums run in eight float lanes of at most a few hundred values each and are combined
    /// in Double, so rounding stays at torch's own level (it also sums in float lanes). Rows are
    /// split over the `ThreadPool` when there are many.
    static func layerNorm(_ x: UnsafePointer<Float>, rows m: Int, width n: Int,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
                          into y: UnsafeMutablePointer<Float>) {
        MatVec.split(m, align: 1, work: m * n * 4) { rows in
            let l = Lane.scalarCount, vectorEnd = n / l * l
            for r in rows {
                let xr = x + r * n, yr = y + r * n
                var acc = Lane()
                var i = 0
                while i < vectorEnd { acc += Float.lane(xr, i); i += l }
                var sum = 0.0
                for j in 0..<l { sum += Double(acc[j]) }
                while i < n { sum += Double(xr[i]); i += 1 }
                let meanF = Float(sum / Double(n))
                let meanV = Lane(repeating: meanF)
                var sqAcc = Lane()
                i = 0
                while i < vectorEnd { let d = Float.lane(xr, i) - meanV; sqAcc += d * d; i += l }
                var sq = 0.0
                for j in 0..<l { sq += Double(sqAcc[j]) }
                while i < n { let d = Double(xr[i] - meanF); sq += d * d; i += 1 }
                let rstd = Float(1.0 / (sq / Double(n) + Double(eps)).squareRoot())
                let rstdV = Lane(repeating: rstd)
                i = 0
                while i < vectorEnd {
                    let v = (Float.lane(xr, i) - meanV) * rstdV * Float.lane(weight, i) + Float.lane(bias, i)
                    UnsafeMutableRawPointer(yr + i).storeBytes(of: v, as: Lane.self)
                    i += l
                }
                while i < n { yr[i] = (xr[i] - meanF) * rstd * weight[i] + bias[i]; i += 1 }
            }
        }
    }

    /// In-place softmax of each row's first `valid` entries (entries beyond are left alone and
    /// must not be read by the caller): `exp(x - max) / sum`, as torch computes it. `divisor`,
    /// when not 1, first divides every entry by it (the attention scaling, `scores / sqrt(d)`).
    @inline(__always)
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, valid n: Int, divisor: Float = 1) {
        let l = Lane.scalarCount, vectorEnd = n / l * l
        var i = 0
        var mxV = Lane(repeating: -.infinity)
        if divisor != 1 {
            let dv = Lane(repeating: divisor)
            while i < vectorEnd {
                let v = Float.lane(x, i) / dv
                UnsafeMutableRawPointer(x + i).storeBytes(of: v, as: Lane.self)
                mxV = VectorMath.max(mxV, v)
                i += l
            }
            while i < n { x[i] /= divisor; i += 1 }
        } else {
            while i < vectorEnd { mxV = VectorMath.max(mxV, Float.lane(x, i)); i += l }
        }
        var mx = mxV.max()
        for j in vectorEnd..<n where x[j] > mx { mx = x[j] }
        let mv = Lane(repeating: mx)
        var sumV = Lane()
        i = 0
        while i < vectorEnd {
            let e = VectorMath.exp(Float.lane(x, i) - mv)
            UnsafeMutableRawPointer(x + i).storeBytes(of: e, as: Lane.self)
            sumV += e
            i += l
        }
        var sum = sumV.sum()
        while i < n { let e = expf(x[i] - mx); x[i] = e; sum += e; i += 1 }
        let sv = Lane(repeating: sum)
        i = 0
        while i < vectorEnd {
            UnsafeMutableRawPointer(x + i).storeBytes(of: Float.lane(x, i) / sv, as: Lane.self)
            i += l
        }
        while i < n { x[i] /= sum; i += 1 }
    }

    /// In-place `torch.log_softmax` of one row: `(x - max) - log(sum(exp(x - max)))`.
    static func logSoftmaxRow(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        let l = Lane.scalarCount, vectorEnd = n / l * l
        var mxV = Lane(repeating: -.infinity)
        var i = 0
        while i < vectorEnd { mxV = VectorMath.max(mxV, Float.lane(x, i)); i += l }
        var mx = mxV.max()
        for j in vectorEnd..<n where x[j] > mx { mx = x[j] }
        let mv = Lane(repeating: mx)
        // Float lanes over blocks of 256 values, blocks summed in Double: 50257 logits would
        // otherwise put ~6000 values in each float lane.
        var sum = 0.0
        i = 0
        while i < vectorEnd {
            let blockEnd = min(vectorEnd, i + 32 * l)
            var sumV = Lane()
            while i < blockEnd { sumV += VectorMath.exp(Float.lane(x, i) - mv); i += l }
            for j in 0..<l { sum += Double(sumV[j]) }
        }
        while i < n { sum += Double(expf(x[i] - mx)); i += 1 }
        let logSum = Float(log(sum))
        let ls = Lane(repeating: logSum)
        i = 0
        while i < vectorEnd {
            UnsafeMutableRawPointer(x + i).storeBytes(of: (Float.lane(x, i) - mv) - ls, as: Lane.self)
            i += l
        }
        while i < n { x[i] = (x[i] - mx) - logSum; i += 1 }
    }

    /// `y += x` elementwise (the residual connections).
    @inline(__always)
    static func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) {
        let l = Lane.scalarCount
        var i = 0
        while i + l <= n {
            let p = UnsafeMutableRawPointer(y + i)
            p.storeBytes(of: p.loadUnaligned(as: Lane.self) + Float.lane(x, i), as: Lane.self)
            i += l
        }
        while i < n { y[i] += x[i]; i += 1 }
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
            while i + l <= width { acc = madd(acc, Float.lane(q, i), Float.lane(kr, i)); i += l }
            var s = acc.sum()
            while i < width { s += q[i] * kr[i]; i += 1 }
            out[j] = alpha * s
        }
    }

    /// `out = sum_j p[j] * rows[j]` for `count` rows of `width` floats, `stride` apart: one
    /// attention query's context from the values. Four lanes of output at a time, so each pass
    /// over the rows reads 128 contiguous bytes of each (a head of 64 floats in two passes; one
    /// lane at a time took eight passes over strided rows). Each output element is still the
    /// same sequence of multiply-adds in `j` order.
    static func weightedSum(_ p: UnsafePointer<Float>, rows: UnsafePointer<Float>, stride: Int, count: Int, width: Int,
                            into out: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount
        var i = 0
        while i + 4 * l <= width {
            var a0 = Lane(), a1 = Lane(), a2 = Lane(), a3 = Lane()
            for j in 0..<count {
                let pj = Lane(repeating: p[j]), r = rows + j * stride + i
                a0 = madd(a0, pj, Float.lane(r, 0)); a1 = madd(a1, pj, Float.lane(r, l))
                a2 = madd(a2, pj, Float.lane(r, 2 * l)); a3 = madd(a3, pj, Float.lane(r, 3 * l))
            }
            for (q, a) in [a0, a1, a2, a3].enumerated() {
                UnsafeMutableRawPointer(out + i + q * l).storeBytes(of: a, as: Lane.self)
            }
            i += 4 * l
        }
        while i + l <= width {
            var acc = Lane()
            for j in 0..<count { acc = madd(acc, Lane(repeating: p[j]), Float.lane(rows + j * stride, i)) }
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

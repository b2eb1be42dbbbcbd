import CKernels

/// `y (R, N) = x (R, K) · W^T + bias` for an int8 `W` that many rows share (the encoder's tokens,
/// the image's cross-attention keys and values), in int8 arithmetic: each row of `x` is
/// quantized to int8 with its own scale, multiplied by the int8 rows with exact int32 sums (AVX512-VNNI,
/// AVX-VNNI or AVX2 on x86-64, sdot, smmla or plain NEON on arm64, chosen at run time by
/// `CKernels`), and scaled back: `y = float(acc) * (scale_x[r] * scale_w[n]) + bias[n]`. Every
/// instruction set gives the same bits. See docs/quantization.md for the scheme and its accuracy.
enum QuantizedProduct {
    /// Bytes per quantized row of `k` inputs (zero-padded to a multiple of 64 for the kernels).
    static func paddedInputs(_ k: Int) -> Int { ck_padded_k(k) }

    /// Floats of scratch `apply` needs for `rows` rows of `k` inputs: the int8 rows, their
    /// scales and their sums.
    static func scratchCount(rows: Int, inFeatures k: Int) -> Int {
        rows * paddedInputs(k) / MemoryLayout<Float>.size + 2 * rows
    }

    /// The instruction set the products use on this CPU ("avx512-vnni"), for benchmarks and logs.
    static var instructionSet: String { String(cString: ck_isa_name(ck_best_isa())) }

    /// One matrix of a product: its int8 rows (N, K), bias (N) or nil, and output `(R, N)`.
    struct Output {
        let weights: QuantizedRows
        let outFeatures: Int
        let bias: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
    }

    /// Computes the product into `y`, using `scratch` (`scratchCount(rows:inFeatures:)` floats).
    static func apply(_ x: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outFeatures n: Int,
                      weights w: QuantizedRows, bias: UnsafePointer<Float>?,
                      into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        apply(x, rows: m, inFeatures: k, outputs: [Output(weights: w, outFeatures: n, bias: bias, y: y)], scratch: scratch)
    }

    /// Several matrices on the same rows (the ViT query, key and value): the rows are quantized
    /// once, and all outputs are split over the `ThreadPool` as one job, so the threads wait for
    /// each other once instead of once per matrix.
    static func apply(_ x: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outputs: [Output],
                      scratch: UnsafeMutablePointer<Float>) {
        let lda = paddedInputs(k)
        let raw = UnsafeMutableRawPointer(scratch)
        let qa = raw.bindMemory(to: Int8.self, capacity: m * lda)
        let sa = (raw + m * lda).bindMemory(to: Float.self, capacity: m)
        let suma = (raw + m * lda + m * MemoryLayout<Float>.size).bindMemory(to: Int32.self, capacity: m)
        MatVec.split(m, align: 1, work: m * k) { rows in
            ck_quantize_rows(x + rows.lowerBound * k, k, rows.count, k,
                             qa + rows.lowerBound * lda, sa + rows.lowerBound, suma + rows.lowerBound)
        }
        let total = outputs.reduce(0) { $0 + $1.outFeatures }
        // Pieces of whole 4-output tiles, many per thread: a thread that finishes early (or got
        // its core back late) takes the next, so the last piece is short when the other thread
        // waits for it.
        MatVec.split(total, align: 4, work: m * total * k, perWorker: piecesPerWorker) { cols in
            var start = 0
            for o in outputs {
                let lo = max(cols.lowerBound - start, 0), hi = min(cols.upperBound - start, o.outFeatures)
                if lo < hi {
                    ck_qgemm(qa, sa, suma, m, k, o.weights.q, o.weights.scale, o.bias, lo, hi, o.y, o.outFeatures)
                }
                start += o.outFeatures
            }
        }
    }

    /// Pieces per pool thread for the products. With 4 (MatVec's), the piece the other thread
    /// was still on was an eighth of a product, and waiting for it took about 5% of the
    /// encoder's profile samples; with 16 it is a thirty-second. (No timing difference could be
    /// resolved on the shared machine.)
    static let piecesPerWorker = 16
}

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

    /// Computes the product into `y`, using `scratch` (`scratchCount(rows:inFeatures:)` floats).
    /// Rows are quantized and outputs computed in pieces on the `ThreadPool`.
    static func apply(_ x: UnsafePointer<Float>, rows m: Int, inFeatures k: Int, outFeatures n: Int,
                      weights w: QuantizedRows, bias: UnsafePointer<Float>?,
                      into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let lda = paddedInputs(k)
        let raw = UnsafeMutableRawPointer(scratch)
        let qa = raw.bindMemory(to: Int8.self, capacity: m * lda)
        let sa = (raw + m * lda).bindMemory(to: Float.self, capacity: m)
        let suma = (raw + m * lda + m * MemoryLayout<Float>.size).bindMemory(to: Int32.self, capacity: m)
        MatVec.split(m, align: 1, work: m * k) { rows in
            ck_quantize_rows(x + rows.lowerBound * k, k, rows.count, k,
                             qa + rows.lowerBound * lda, sa + rows.lowerBound, suma + rows.lowerBound)
        }
        // Pieces of whole 4-output tiles; several per thread so a thread that loses its core
        // for a moment does not hold up the product.
        MatVec.split(n, align: 4, work: m * n * k, perWorker: MatVec.piecesPerWorker) { cols in
            ck_qgemm(qa, sa, suma, m, k, w.q, w.scale, bias, cols.lowerBound, cols.upperBound, y, n)
        }
    }
}

import Foundation

/// An int8 weight matrix with one fp32 scale per output row: `W[o, i] ≈ q[o, i] * scale[o]`.
///
/// Symmetric per-output-channel quantization: `scale[o] = max_i |W[o, i]| / 127`,
/// `q = clamp(round(W / scale), -127, 127)` (round half to even, as `torch.round`); an all-zero
/// row has scale 0. Rows are stored `(out, in)` whatever the source layout was, so every kernel
/// reads one contiguous row per output. See docs/quantization.md.
/// Unchecked Sendable because immutable after quantizing: the int8 rows and scales are never written again.
struct QuantizedRows: @unchecked Sendable {
    /// (N, K) row-major, N = outputs.
    let q: UnsafePointer<Int8>
    /// (N)
    let scale: UnsafePointer<Float>

    /// Quantizes an fp32 matrix given `(K, N)` (`transposed`, GPT-2 `Conv1D`) or `(N, K)`
    /// (`nn.Linear`) into the caller's buffers `q (N, K)` and `scale (N)`.
    static func quantize(_ w: UnsafePointer<Float>, outFeatures n: Int, inFeatures k: Int, transposed: Bool,
                         q: UnsafeMutablePointer<Int8>, scale: UnsafeMutablePointer<Float>) {
        MatVec.split(n, align: 1, work: n * k) { range in
            for o in range {
                @inline(__always) func at(_ i: Int) -> Float { transposed ? w[i * n + o] : w[o * k + i] }
                var m: Float = 0
                for i in 0..<k { m = max(m, abs(at(i))) }
                let s = m / 127
                scale[o] = s
                let row = q + o * k
                if s == 0 { row.update(repeating: 0, count: k); continue }
                for i in 0..<k {
                    row[i] = Int8(max(-127, min(127, (at(i) / s).rounded(.toNearestOrEven))))
                }
            }
        }
    }
}

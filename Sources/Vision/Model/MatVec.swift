import Foundation

/// The SIMD lane the small-batch kernels are written in. Eight floats: one AVX register, two
/// SSE/NEON registers; measured faster than 4 or 16 lanes on the benchmark machine.
typealias Lane = SIMD8<Float>

/// `acc + a * b`: one fused multiply-add where the target has it (arm64; x86_64 built with
/// `ASSIST_TARGET_CPU`, which defines `ASSIST_FMA`), a multiply and an add on the SSE2 baseline,
/// where a fused one would be a libm call per element.
@inline(__always)
func madd(_ acc: Lane, _ a: Lane, _ b: Lane) -> Lane {
    #if arch(arm64) || ASSIST_FMA
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

/// A weight element type the dot-product kernel can stream: fp32 as stored in the checkpoint,
/// or int8 from the quantized file (scaled per output row afterwards).
protocol WeightElement {
    /// `Lane.scalarCount` consecutive elements at `p + i`, widened to fp32.
    static func lane(_ p: UnsafePointer<Self>, _ i: Int) -> Lane
    static func scalar(_ p: UnsafePointer<Self>, _ i: Int) -> Float
}

extension Float: WeightElement {
    @inline(__always) static func lane(_ p: UnsafePointer<Float>, _ i: Int) -> Lane {
        UnsafeRawPointer(p + i).loadUnaligned(as: Lane.self)
    }
    @inline(__always) static func scalar(_ p: UnsafePointer<Float>, _ i: Int) -> Float { p[i] }
}

extension Int8: WeightElement {
    @inline(__always) static func lane(_ p: UnsafePointer<Int8>, _ i: Int) -> Lane {
        // Two 4-wide widenings: the 8-wide generic conversion is not inlined for baseline x86-64
        // (measured 4.1 vs 5.5 GB/s of int8 weights).
        let r = UnsafeRawPointer(p + i)
        return Lane(lowHalf: SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: r.loadUnaligned(as: SIMD4<Int8>.self))),
                    highHalf: SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: r.loadUnaligned(fromByteOffset: 4, as: SIMD4<Int8>.self))))
    }
    @inline(__always) static func scalar(_ p: UnsafePointer<Int8>, _ i: Int) -> Float { Float(p[i]) }
}

/// Matrix products for a few rows (the decoder's beams), where the weights are read once from
/// memory and that read is the whole cost. BLAS `sgemm` is the wrong tool there: for M = 1..4 it
/// still packs the whole weight matrix (a second full pass over it, measured at 40% of decoder
/// time). These kernels stream each weight once, split the output columns over the worker
/// threads, and allocate nothing.
enum MatVec {
    /// Threads per parallel kernel: the `ThreadPool`'s size (see `BLASThreads.set`).
    static var workers: Int { ThreadPool.shared.size }

    /// Pieces per worker thread for the streaming kernels: threads that finish early take the
    /// next piece, so a thread that starts late or loses its core for a moment (other processes
    /// on a small device) does not hold up the whole product; with one piece per thread the
    /// other thread spun idle for 6% of a caption.
    static let piecesPerWorker = 4

    /// Runs `body` over contiguous pieces of `0..<n`, each a multiple of `align` except the last,
    /// on up to `workers` threads of the `ThreadPool` (`perWorker` pieces per thread, claimed
    /// dynamically); on the calling thread alone when `work` (multiply-adds, or an equivalent) is
    /// too small to repay a handoff.
    static func split(_ n: Int, align: Int, work: Int, perWorker: Int = 1, _ body: @escaping (Range<Int>) -> Void) {
        let parts = work < 1 << 15 ? 1 : min(workers * perWorker, max(1, n / align))
        if parts == 1 { body(0..<n); return }
        let chunk = (n + parts - 1) / parts
        let step = (chunk + align - 1) / align * align
        ThreadPool.shared.run(parts) { p in
            let lo = min(n, p * step), hi = min(n, lo + step)
            if lo < hi { body(lo..<hi) }
        }
    }

    /// `y (R, N) = scale ⊙ (x (R, K) · w^T) + bias` with `w` stored `(N, K)` (`nn.Linear`, the
    /// LM head, and every int8 matrix): one dot product per output, over contiguous weight rows.
    /// `scale` (N) is the per-row int8 scale, nil for fp32.
    @_specialize(where E == Float)
    @_specialize(where E == Int8)
    static func rowsDot<E: WeightElement>(_ x: UnsafePointer<Float>, rows r: Int, k: Int, n: Int,
                                          weight w: UnsafePointer<E>, scale: UnsafePointer<Float>?,
                                          bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        split(n, align: 8, work: r * n * k, perWorker: piecesPerWorker) { range in
            if r == 1 {
                dot1(x, k: k, range: range, weight: w, scale: scale, bias: bias, into: y)
            } else {
                var row = 0
                while row < r {
                    dot4(x + row * k, rows: min(4, r - row), k: k, ldy: n, range: range, weight: w, scale: scale,
                         bias: bias, into: y + row * n)
                    row += 4
                }
            }
        }
    }

    /// One row: four independent accumulator chains over K keep the FMA pipeline full.
    @inline(__always)
    private static func dot1<E: WeightElement>(_ x: UnsafePointer<Float>, k: Int, range: Range<Int>,
                                               weight w: UnsafePointer<E>, scale: UnsafePointer<Float>?,
                                               bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount
        for o in range {
            let wr = w + o * k
            var a0 = Lane(), a1 = Lane(), a2 = Lane(), a3 = Lane()
            var i = 0
            while i + 4 * l <= k {
                a0 = madd(a0, E.lane(wr, i), Float.lane(x, i))
                a1 = madd(a1, E.lane(wr, i + l), Float.lane(x, i + l))
                a2 = madd(a2, E.lane(wr, i + 2 * l), Float.lane(x, i + 2 * l))
                a3 = madd(a3, E.lane(wr, i + 3 * l), Float.lane(x, i + 3 * l))
                i += 4 * l
            }
            while i + l <= k { a0 = madd(a0, E.lane(wr, i), Float.lane(x, i)); i += l }
            var s = ((a0 + a1) + (a2 + a3)).sum()
            while i < k { s += E.scalar(wr, i) * x[i]; i += 1 }
            if let scale { s *= scale[o] }
            if let bias { s += bias[o] }
            y[o] = s
        }
    }

    /// Up to four rows sharing each weight load (rows beyond `rows` repeat the last one and are
    /// not stored).
    @inline(__always)
    private static func dot4<E: WeightElement>(_ x: UnsafePointer<Float>, rows: Int, k: Int, ldy: Int, range: Range<Int>,
                                               weight w: UnsafePointer<E>, scale: UnsafePointer<Float>?,
                                               bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount
        let x0 = x, x1 = x + min(1, rows - 1) * k, x2 = x + min(2, rows - 1) * k, x3 = x + min(3, rows - 1) * k
        for o in range {
            let wr = w + o * k
            // Two lanes per step, eight accumulators: one chain per row would wait on the
            // multiply-add latency (measured 15 GB/s on the LM head with four rows, 30 with two).
            var a0 = Lane(), a1 = Lane(), a2 = Lane(), a3 = Lane()
            var b0 = Lane(), b1 = Lane(), b2 = Lane(), b3 = Lane()
            var i = 0
            while i + 2 * l <= k {
                let wv = E.lane(wr, i), wu = E.lane(wr, i + l)
                a0 = madd(a0, wv, Float.lane(x0, i)); a1 = madd(a1, wv, Float.lane(x1, i))
                a2 = madd(a2, wv, Float.lane(x2, i)); a3 = madd(a3, wv, Float.lane(x3, i))
                b0 = madd(b0, wu, Float.lane(x0, i + l)); b1 = madd(b1, wu, Float.lane(x1, i + l))
                b2 = madd(b2, wu, Float.lane(x2, i + l)); b3 = madd(b3, wu, Float.lane(x3, i + l))
                i += 2 * l
            }
            while i + l <= k {
                let wv = E.lane(wr, i)
                a0 = madd(a0, wv, Float.lane(x0, i)); a1 = madd(a1, wv, Float.lane(x1, i))
                a2 = madd(a2, wv, Float.lane(x2, i)); a3 = madd(a3, wv, Float.lane(x3, i))
                i += l
            }
            var s = SIMD4<Float>((a0 + b0).sum(), (a1 + b1).sum(), (a2 + b2).sum(), (a3 + b3).sum())
            while i < k {
                let wv = E.scalar(wr, i)
                s += SIMD4(x0[i], x1[i], x2[i], x3[i]) * wv
                i += 1
            }
            if let scale { s *= scale[o] }
            if let bias { s += bias[o] }
            for j in 0..<rows { y[j * ldy + o] = s[j] }
        }
    }

    /// `y (R, N) = x (R, K) · w + bias` with fp32 `w` stored `(K, N)` (GPT-2 `Conv1D`). The
    /// workers split K, so each streams a contiguous slab of whole weight rows (splitting N
    /// instead makes every thread read short strided pieces, measured 3x slower), into its own
    /// partial sums, which are added at the end.
    static func rowsAxpy(_ x: UnsafePointer<Float>, rows r: Int, k: Int, n: Int, weight w: UnsafePointer<Float>,
                         bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        let parts = r * n * k < 1 << 15 || workers == 1 ? 1 : min(workers * piecesPerWorker, max(1, k / 64))
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(1, (parts - 1) * r * n))  // (parts-1, R, N)
        defer { partial.deallocate() }
        let chunk = ((k + parts - 1) / parts + 7) / 8 * 8
        split(parts, align: 1, work: parts > 1 ? Int.max : 0, perWorker: piecesPerWorker) { range in
            for p in range {
                let out = p == 0 ? y : partial + (p - 1) * r * n
                for row in 0..<r {
                    if p == 0, let bias { (out + row * n).update(from: bias, count: n) } else { (out + row * n).update(repeating: 0, count: n) }
                }
                let lo = min(k, p * chunk), hi = min(k, lo + chunk)
                if lo < hi {
                    if r == 1 {
                        axpy1(x, n: n, kRange: lo..<hi, weight: w, into: out)
                    } else {
                        axpy(x, rows: r, k: k, n: n, kRange: lo..<hi, weight: w, into: out)
                    }
                }
            }
        }
        for p in 1..<parts {
            let src = partial + (p - 1) * r * n
            for i in 0..<(r * n) { y[i] += src[i] }
        }
    }

    /// `axpy` for one row (greedy decoding): the eight broadcast x values stay in registers and
    /// the weights are FMA memory operands, so the loop is loads and multiply-adds only (the
    /// general kernel keeps its row loop and pointer bookkeeping in memory, measured 40% slower
    /// per weight byte than the dot kernel).
    @inline(__always)
    private static func axpy1(_ x: UnsafePointer<Float>, n: Int, kRange: Range<Int>, weight w: UnsafePointer<Float>,
                              into out: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount, vectorEnd = n / l * l
        var kk = kRange.lowerBound
        while kk < kRange.upperBound {
            let g = min(8, kRange.upperBound - kk)
            @inline(__always) func b(_ j: Int) -> Lane { Lane(repeating: j < g ? x[kk + j] : 0) }
            @inline(__always) func row(_ j: Int) -> UnsafePointer<Float> { w + (kk + min(j, g - 1)) * n }
            let b0 = b(0), b1 = b(1), b2 = b(2), b3 = b(3), b4 = b(4), b5 = b(5), b6 = b(6), b7 = b(7)
            let w0 = row(0), w1 = row(1), w2 = row(2), w3 = row(3), w4 = row(4), w5 = row(5), w6 = row(6), w7 = row(7)
            var c = 0
            while c < vectorEnd {
                let p = UnsafeMutableRawPointer(out + c)
                var t = madd(p.loadUnaligned(as: Lane.self), Float.lane(w0, c), b0)
                var u = Float.lane(w1, c) * b1
                t = madd(t, Float.lane(w2, c), b2); u = madd(u, Float.lane(w3, c), b3)
                t = madd(t, Float.lane(w4, c), b4); u = madd(u, Float.lane(w5, c), b5)
                t = madd(t, Float.lane(w6, c), b6); u = madd(u, Float.lane(w7, c), b7)
                p.storeBytes(of: t + u, as: Lane.self)
                c += l
            }
            for c in vectorEnd..<n {
                out[c] += (b0[0] * w0[c] + b1[0] * w1[c] + b2[0] * w2[c] + b3[0] * w3[c])
                    + (b4[0] * w4[c] + b5[0] * w5[c] + b6[0] * w6[c] + b7[0] * w7[c])
            }
            kk += 8
        }
    }

    /// `out (R, N) += x[:, kRange] · w[kRange, :]`, eight weight rows at a time: each vector of
    /// those eight rows is loaded once and applied to every output row while it is in registers
    /// (the beams share every weight load), and each output vector is loaded and stored once per
    /// eight rows (with four, the output traffic and loop overhead cost about 7% of the
    /// bandwidth in a C model of this loop). Two accumulator chains halve the FMA latency chain.
    @inline(__always)
    private static func axpy(_ x: UnsafePointer<Float>, rows r: Int, k: Int, n: Int, kRange: Range<Int>,
                             weight w: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let l = Lane.scalarCount, vectorEnd = n / l * l, group = 8
        // (R, 8) the group's x values of each row, broadcast; rows of the group beyond the range
        // get weight 0 so they add nothing.
        let bx = UnsafeMutablePointer<Lane>.allocate(capacity: group * r)
        defer { bx.deallocate() }
        var kk = kRange.lowerBound
        while kk < kRange.upperBound {
            let g = min(group, kRange.upperBound - kk)
            let w0 = w + kk * n, w1 = w + (kk + min(1, g - 1)) * n
            let w2 = w + (kk + min(2, g - 1)) * n, w3 = w + (kk + min(3, g - 1)) * n
            let w4 = w + (kk + min(4, g - 1)) * n, w5 = w + (kk + min(5, g - 1)) * n
            let w6 = w + (kk + min(6, g - 1)) * n, w7 = w + (kk + min(7, g - 1)) * n
            for row in 0..<r {
                let xr = x + row * k + kk
                for j in 0..<group { bx[row * group + j] = Lane(repeating: j < g ? xr[j] : 0) }
            }
            var c = 0
            while c < vectorEnd {
                let a0 = Float.lane(w0, c), a1 = Float.lane(w1, c), a2 = Float.lane(w2, c), a3 = Float.lane(w3, c)
                let a4 = Float.lane(w4, c), a5 = Float.lane(w5, c), a6 = Float.lane(w6, c), a7 = Float.lane(w7, c)
                for row in 0..<r {
                    let b = bx + row * group
                    let p = UnsafeMutableRawPointer(out + row * n + c)
                    var t = madd(p.loadUnaligned(as: Lane.self), a0, b[0])
                    var u = a1 * b[1]
                    t = madd(t, a2, b[2]); u = madd(u, a3, b[3])
                    t = madd(t, a4, b[4]); u = madd(u, a5, b[5])
                    t = madd(t, a6, b[6]); u = madd(u, a7, b[7])
                    p.storeBytes(of: t + u, as: Lane.self)
                }
                c += l
            }
            for row in 0..<r {
                let b = bx + row * group, yr = out + row * n
                for c in vectorEnd..<n {
                    yr[c] += (b[0][0] * w0[c] + b[1][0] * w1[c] + b[2][0] * w2[c] + b[3][0] * w3[c])
                        + (b[4][0] * w4[c] + b[5][0] * w5[c] + b[6][0] * w6[c] + b[7][0] * w7[c])
                }
            }
            kk += group
        }
    }
}

/// `exp` and `erf` on eight floats at once, for the elementwise passes (softmax, GELU) that libm
/// would do one call per value (measured: the encoder's 7.3M `erff` calls alone took ~40 ms).
///
/// Both use only operations SSE2 and NEON have (no rounding or gather instructions), so the
/// default builds vectorize them. Accuracy, checked against Double over their whole float range
/// by `ModelVectorMathTests`: `exp` within 2 ulp, `erf` within 4e-7 absolute (a few ulp of 1), in line
/// with the vectorized routines torch itself uses on CPU.
enum VectorMath {
    /// `e^x`; 0 below -87.3 (where float `expf` becomes subnormal), +inf above 88.3 (float's
    /// largest is e^88.72; no caller comes near either end: softmax inputs are <= 0).
    @inline(__always)
    static func exp(_ x: Lane) -> Lane {
        let log2e: Float = 1.442695040888963, ln2Hi: Float = 0.693359375, ln2Lo: Float = -2.12194440e-4
        let xc = clamp(x, -87.5, 88.3)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick: adding it leaves the integer in the low bits.
        let magic: Float = 12582912
        let shifted = xc * log2e + magic
        let n = shifted - magic
        // r = x - n ln 2 in two parts keeps r exact to float precision; |r| <= ln(2)/2.
        let r = (xc - n * ln2Hi) - n * ln2Lo
        // Taylor to r^7: the truncation error r^8/8! < 6e-9 relative on |r| <= 0.347.
        var p = Lane(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n from its exponent bits; n is in [-127, 128) here.
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000   // n
        let scale = unsafeBitCast((bits &+ 127) &<< 23, to: Lane.self)
        var y = p * scale
        y.replace(with: 0, where: x .< -87.3)
        y.replace(with: .infinity, where: x .> 88.3)
        return y
    }

    /// `erf(x)` = `x P(x^2) / Q(x^2)` on |x| < 3.92 and ±1 beyond (where float erf rounds to
    /// 1): a rational fit made for this file by `Benchmarks/fit_erf.py` (iteratively reweighted
    /// least squares towards equal ripple), max error 1.6e-8 in exact arithmetic, 3.5e-7 when
    /// evaluated in float.
    @inline(__always)
    static func erf(_ x: Lane) -> Lane {
        let xc = clamp(x, -3.92, 3.92)
        let t = xc * xc
        var p = Lane(repeating: 2.034885710600065e-06)
        p = p * t + 0.00028747666510753334
        p = p * t + 0.0038679526187479496
        p = p * t + 0.05305935814976692
        p = p * t + 0.1927545666694641
        p = p * t + 1.128378987312317
        var q = Lane(repeating: 3.807205212069675e-05)
        q = q * t + 0.0011880345409736037
        q = q * t + 0.015171545557677746
        q = q * t + 0.1150808110833168
        q = q * t + 0.5041559338569641
        q = q * t + 1
        return clamp(xc * p / q, -1, 1)
    }

    /// `x.clamped(lowerBound:upperBound:)` for NaN-free lanes as compare-and-blend, inlined: the
    /// standard library's `pointwiseMin`/`pointwiseMax` behind `clamped` were out-of-line calls
    /// in the hot loops (2% of a caption's CPU samples).
    @inline(__always)
    static func clamp(_ x: Lane, _ lo: Float, _ hi: Float) -> Lane {
        var y = x
        y.replace(with: lo, where: x .< lo)
        y.replace(with: hi, where: x .> hi)
        return y
    }

    /// `pointwiseMax(a, b)` for NaN-free lanes, inlined (see `clamp`).
    @inline(__always)
    static func max(_ a: Lane, _ b: Lane) -> Lane { a.replacing(with: b, where: b .> a) }
}

/// `Image.resize((width, height), filter)` of Pillow 9.4 on an RGB8 image, bit for bit.
///
/// Follows `_resize` in _imaging.c and Resample.c: an unchanged size is a copy; NEAREST is
/// `ImagingScaleAffine` (source positions accumulated in double); every other filter is the
/// separable convolution of `ImagingResampleInner`: per-output coefficients from
/// `precompute_coeffs` (support widened by the downscale factor, normalised to sum 1), turned into
/// 22-bit fixed point by `normalize_coeffs_8bpc`, a horizontal pass over only the source rows the
/// vertical pass needs, rounded and clamped to uint8, then the vertical pass. A pass whose
/// dimension does not change is skipped.
enum PILResampler {
    /// 32 - 8 - 2: 8 bits of result, 2 bits of headroom for negative lobes and overshoot.
    static let precisionBits = 22

    /// Coefficients for one axis: output i reads `count[i]` source samples from `first[i]` with
    /// weights `weights[i * taps ..< i * taps + count[i]]`.
    struct Coefficients {
        var taps: Int
        var first: [Int]
        var count: [Int]
        var weights: [Int32]
    }

    static func resize(_ image: RGBImage, width: Int, height: Int, filter: ResampleFilter) -> RGBImage {
        precondition(width > 0 && height > 0, "resize target must be positive, got \(width)x\(height)")
        if width == image.width && height == image.height { return image }
        if filter == .nearest { return nearest(image, width: width, height: height) }

        var horizontal = coefficients(inSize: image.width, outSize: width, filter: filter)
        var vertical = coefficients(inSize: image.height, outSize: height, filter: filter)
        var source = image.pixels  // (rows, columns, 3)
        var columns = image.width
        if width != image.width {
            // Only rows first...last feed the vertical pass.
            let firstRow = vertical.first[0]
            let lastRow = vertical.first[height - 1] + vertical.count[height - 1]
            for i in 0..<height { vertical.first[i] -= firstRow }
            source = horizontalPass(source, columns: columns, rows: firstRow..<lastRow, coefficients: &horizontal)
            columns = width
        }
        if height != image.height {
            source = verticalPass(source, columns: columns, coefficients: vertical)
        }
        return RGBImage(width: width, height: height, pixels: source)
    }

    /// `precompute_coeffs` followed by `normalize_coeffs_8bpc`.
    static func coefficients(inSize: Int, outSize: Int, filter: ResampleFilter) -> Coefficients {
        // The box is (0, inSize) in float; its width converts exactly.
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        let ss = 1 / filterScale
        let one = Double(1 << precisionBits)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            // C's (int) truncates toward zero, also for small negative values.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var ww = 0.0
            for x in 0..<xmax {
                let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
                k[x] = w
                ww += w
            }
            for x in 0..<xmax {
                if ww != 0 { k[x] /= ww }
                let v = k[x] < 0 ? -0.5 + k[x] * one : 0.5 + k[x] * one
                weights[xx * taps + x] = Int32(v)
            }
            first[xx] = xmin
            count[xx] = xmax
        }
        return Coefficients(taps: taps, first: first, count: count, weights: weights)
    }

    /// `clip8`: drop the fraction and clamp to 0...255.
    @inline(__always)
    static func clip8(_ ss: Int) -> UInt8 {
        let v = ss >> precisionBits
        return v < 0 ? 0 : v > 255 ? 255 : UInt8(v)
    }

    /// `ImagingResampleHorizontal_8bpc` over source `rows`. // (rows, columns, 3) -> (rows.count, out, 3)
    static func horizontalPass(_ src: [UInt8], columns: Int, rows: Range<Int>,
                               coefficients c: inout Coefficients) -> [UInt8] {
        let outColumns = c.first.count
        let n = rows.count * outColumns * 3
        let half = 1 << (precisionBits - 1)
        return [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
            src.withUnsafeBufferPointer { s in
                c.weights.withUnsafeBufferPointer { kk in
                    c.first.withUnsafeBufferPointer { first in
                        c.count.withUnsafeBufferPointer { count in
                            var d = 0
                            for y in rows {
                                let row = y * columns * 3
                                for xx in 0..<outColumns {
                                    let k = xx * c.taps
                                    var p = row + first[xx] * 3
                                    var s0 = half, s1 = half, s2 = half
                                    for x in 0..<count[xx] {
                                        let w = Int(kk[k + x])
                                        s0 += Int(s[p]) * w
                                        s1 += Int(s[p + 1]) * w
                                        s2 += Int(s[p + 2]) * w
                                        p += 3
                                    }
                                    dst[d] = clip8(s0); dst[d + 1] = clip8(s1); dst[d + 2] = clip8(s2)
                                    d += 3
                                }
                            }
                        }
                    }
                }
            }
            initialized = n
        }
    }

    /// `ImagingResampleVertical_8bpc`. // (rows, columns, 3) -> (out, columns, 3)
    static func verticalPass(_ src: [UInt8], columns: Int, coefficients c: Coefficients) -> [UInt8] {
        let outRows = c.first.count
        let rowBytes = columns * 3
        let n = outRows * rowBytes
        let half = 1 << (precisionBits - 1)
        return [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
            src.withUnsafeBufferPointer { s in
                c.weights.withUnsafeBufferPointer { kk in
                    // One accumulator row per output row keeps the source walk row-contiguous.
                    var acc = [Int](repeating: 0, count: rowBytes)
                    acc.withUnsafeMutableBufferPointer { acc in
                        for yy in 0..<outRows {
                            for i in 0..<rowBytes { acc[i] = half }
                            let k = yy * c.taps
                            for y in 0..<c.count[yy] {
                                let w = Int(kk[k + y])
                                let row = (c.first[yy] + y) * rowBytes
                                for i in 0..<rowBytes { acc[i] += Int(s[row + i]) * w }
                            }
                            let out = yy * rowBytes
                            for i in 0..<rowBytes { dst[out + i] = clip8(acc[i]) }
                        }
                    }
                }
            }
            initialized = n
        }
    }

    /// `ImagingScaleAffine` as `_resize` calls it for NEAREST: source position of output pixel
    /// x is `(int)(a * 0.5 + a + ... + a)`, accumulated in double as Pillow does, with
    /// `a = in / out`; pixels whose source falls outside stay 0 (the `fill` memset).
    static func nearest(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        let ax = Double(image.width) / Double(width)
        let ay = Double(image.height) / Double(height)
        var xin = [Int](repeating: -1, count: width)
        var xo = ax * 0.5
        for x in 0..<width {
            let v = Int(xo)
            if v < image.width { xin[x] = v }
            xo += ax
        }
        let n = width * height * 3
        let out = [UInt8](unsafeUninitializedCapacity: n) { dst, initialized in
            image.pixels.withUnsafeBufferPointer { s in
                var yo = ay * 0.5
                for y in 0..<height {
                    let yi = Int(yo)
                    for x in 0..<width {
                        let d = (y * width + x) * 3
                        if yi < image.height && xin[x] >= 0 {
                            let p = (yi * image.width + xin[x]) * 3
                            dst[d] = s[p]; dst[d + 1] = s[p + 1]; dst[d + 2] = s[p + 2]
                        } else {
                            dst[d] = 0; dst[d + 1] = 0; dst[d + 2] = 0
                        }
                    }
                    yo += ay
                }
            }
            initialized = n
        }
        return RGBImage(width: width, height: height, pixels: out)
    }
}

import Foundation

/// How sharp the strong edges of a photo are, per edge direction, with the sensor noise taken
/// out: the blur measure behind `QualityProblem.Kind.blurry`.
///
/// At every edge (a local maximum of the gradient of the photo smoothed at the coarse scale
/// `coarseSigma`, along the gradient direction) the gradient magnitude at the fine scale
/// `fineSigma` is divided by the one at the coarse scale. A step edge that the camera rendered
/// sharply gets a ratio near `coarseSigma / fineSigma`; an edge already spread by defocus or
/// movement wider than the coarse scale gets a ratio near 1, because smoothing it more barely
/// lowers its slope. Edges are measured where they are strong, so the ratio does not depend
/// on the photo's exposure or contrast.
///
/// Noise: the sensor's noise (estimated from the median of Immerkaer's 3x3 noise operator,
/// J. Immerkaer 1996, "Fast noise variance estimation", with the median for robustness to
/// edges) raises the fine-scale gradient everywhere; its expected energy at each scale is
/// subtracted before the ratio is taken, and edges weaker than three noise standard deviations
/// at the coarse scale are ignored. A dim photo at high gain therefore does not look sharp.
///
/// Direction: camera shake and movement blur only the edges across the movement. The edges
/// are split into four direction classes (gradient at 0, 45, 90, 135 degrees); in each class
/// with at least `minEdgesPerDirection` edges the stronger half is kept and its median ratio
/// taken; the photo's sharpness is the lowest of these. A photo without such edges (a plain
/// wall, a black frame) has no sharpness score.
struct EdgeSharpness {
    var fineSigma: Float = 0.7
    var coarseSigma: Float = 3.0
    var minEdgesPerDirection = 20
    /// Edges weaker than this many coarse-scale noise standard deviations are ignored...
    var noiseFloor: Float = 3
    /// ...and so are edges weaker than this many luma levels per pixel.
    var minEdgeGradient: Float = 1

    struct Result {
        /// Lowest per-direction median fine/coarse gradient ratio; nil without enough edges.
        var sharpness: Float?
        /// Per direction class (gradient at 0, 45, 90, 135 degrees); nil where too few edges.
        var byDirection: [Float?]
        /// Estimated standard deviation of the sensor noise, luma levels.
        var noise: Float
    }

    func measure(_ g: GrayImage) -> Result {
        let w = g.width, h = g.height
        let border = Int((3 * coarseSigma).rounded(.up)) + 1
        guard w > 2 * border + 2, h > 2 * border + 2 else {
            return Result(sharpness: nil, byDirection: [nil, nil, nil, nil], noise: 0)
        }
        let noise = EdgeSharpness.noiseSigma(g)
        let fineKernel = EdgeSharpness.gaussianKernel(fineSigma)
        let coarseKernel = EdgeSharpness.gaussianKernel(coarseSigma)
        let fine = EdgeSharpness.smoothed(g, fineKernel)     // (H, W)
        let coarse = EdgeSharpness.smoothed(g, coarseKernel) // (H, W)
        // Expected squared gradient of white noise, per component, after each smoothing.
        let fineNoise = noise * noise * EdgeSharpness.gradientGain(fineKernel)
        let coarseNoise = noise * noise * EdgeSharpness.gradientGain(coarseKernel)
        let floor = max(minEdgeGradient, noiseFloor * (2 * coarseNoise).squareRoot())

        // Coarse gradient (H, W, 2).
        var cx = [Float](repeating: 0, count: w * h), cy = cx
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let i = y * w + x
                cx[i] = (coarse[i + 1] - coarse[i - 1]) / 2
                cy[i] = (coarse[i + w] - coarse[i - w]) / 2
            }
        }
        // Neighbour offsets along the gradient for each direction class.
        let steps = [1, w + 1, w, w - 1]
        var strengths: [[Float]] = [[], [], [], []]
        var ratios: [[Float]] = [[], [], [], []]
        for y in border..<(h - border) {
            for x in border..<(w - border) {
                let i = y * w + x
                let gx = cx[i], gy = cy[i]
                let a2 = gx * gx + gy * gy
                guard a2 >= floor * floor else { continue }
                var angle = atan2f(gy, gx)
                if angle < 0 { angle += .pi }
                let bin = Int((angle / (.pi / 4)).rounded()) % 4
                let s = steps[bin]
                let before = cx[i - s] * cx[i - s] + cy[i - s] * cy[i - s]
                let after = cx[i + s] * cx[i + s] + cy[i + s] * cy[i + s]
                guard a2 >= before, a2 > after else { continue }
                let fx = (fine[i + 1] - fine[i - 1]) / 2, fy = (fine[i + w] - fine[i - w]) / 2
                let signal = max(0, fx * fx + fy * fy - 2 * fineNoise)
                let reference = max(1e-6, a2 - 2 * coarseNoise)
                strengths[bin].append(a2)
                ratios[bin].append((signal / reference).squareRoot())
            }
        }
        var byDirection: [Float?] = []
        for bin in 0..<4 {
            guard strengths[bin].count >= minEdgesPerDirection else {
                byDirection.append(nil)
                continue
            }
            let cut = EdgeSharpness.median(strengths[bin])
            let strong = zip(strengths[bin], ratios[bin]).filter { $0.0 >= cut }.map(\.1)
            byDirection.append(EdgeSharpness.median(strong))
        }
        return Result(sharpness: byDirection.compactMap { $0 }.min(), byDirection: byDirection, noise: noise)
    }

    /// Immerkaer's noise operator [1 -2 1; -2 4 -2; 1 -2 1] (zero on any plane, so it sees
    /// noise rather than shading), with the median of its magnitude instead of the mean so that
    /// edges and texture bias it less: sigma = median|M| / (0.6745 * 6).
    static func noiseSigma(_ g: GrayImage) -> Float {
        let w = g.width, h = g.height
        var histogram = [Int](repeating: 0, count: 16 * 255 + 1)
        var n = 0
        g.pixels.withUnsafeBufferPointer { p in
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let i = y * w + x
                    let corners = Int(p[i - w - 1]) + Int(p[i - w + 1]) + Int(p[i + w - 1]) + Int(p[i + w + 1])
                    let sides = Int(p[i - w]) + Int(p[i + w]) + Int(p[i - 1]) + Int(p[i + 1])
                    histogram[abs(corners - 2 * sides + 4 * Int(p[i]))] += 1
                    n += 1
                }
            }
        }
        guard n > 0 else { return 0 }
        var seen = 0
        for (value, count) in histogram.enumerated() {
            seen += count
            if 2 * seen >= n { return Float(value) / (0.6745 * 6) }
        }
        return 0
    }

    static func gaussianKernel(_ sigma: Float) -> [Float] {
        let radius = Int((3 * sigma).rounded())
        var k = (-radius...radius).map { expf(-0.5 * Float($0 * $0) / (sigma * sigma)) }
        let sum = k.reduce(0, +)
        for i in k.indices { k[i] /= sum }
        return k
    }

    /// Variance of one central-difference gradient component of unit white noise after
    /// separable smoothing with `k`: sum of the squared differentiated kernel along the
    /// derivative axis times sum of the squared kernel across it.
    static func gradientGain(_ k: [Float]) -> Float {
        let padded = [0] + k + [0]
        var along: Float = 0
        for i in 1..<(padded.count - 1) {
            let d = (padded[i + 1] - padded[i - 1]) / 2
            along += d * d
        }
        let across = k.reduce(0) { $0 + $1 * $1 }
        return along * across
    }

    /// Separable convolution with edge samples repeated. (H, W)
    static func smoothed(_ g: GrayImage, _ k: [Float]) -> [Float] {
        let w = g.width, h = g.height, r = k.count / 2
        var rows = [Float](repeating: 0, count: w * h)
        var out = [Float](repeating: 0, count: w * h)
        g.pixels.withUnsafeBufferPointer { p in
            rows.withUnsafeMutableBufferPointer { t in
                for y in 0..<h {
                    let base = y * w
                    for x in 0..<w {
                        var acc: Float = 0
                        for j in 0..<k.count {
                            let xx = min(max(x + j - r, 0), w - 1)
                            acc += k[j] * Float(p[base + xx])
                        }
                        t[base + x] = acc
                    }
                }
            }
        }
        rows.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<h {
                    for x in 0..<w {
                        var acc: Float = 0
                        for j in 0..<k.count {
                            let yy = min(max(y + j - r, 0), h - 1)
                            acc += k[j] * t[yy * w + x]
                        }
                        o[y * w + x] = acc
                    }
                }
            }
        }
        return out
    }

    static func median(_ values: [Float]) -> Float {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

import Foundation

/// Finds how far the text in a photo is turned away from horizontal (or vertical), so that
/// the reader can turn it straight before Tesseract sees it.
///
/// Projection-profile search (as in Leptonica's `pixFindSkew`, but on edges rather than ink so
/// that light-on-dark and dark-on-light text behave alike): the strongest edges of a reduced
/// copy of the photo are projected across candidate text directions; along the true direction
/// the edges of each text line fall into the same few bins, so the sum of squared bin counts
/// peaks. Lines running top to bottom (text turned 90 or 270 degrees) are handled by projecting
/// across the perpendicular direction too. A coarse search every `coarseStep` degrees is refined
/// around the best angle.
struct SkewEstimator {
    /// Angles searched, degrees either side of horizontal.
    var maxAngle: Float = 15
    var coarseStep: Float = 1
    var fineStep: Float = 0.25
    /// The estimate is made on a copy reduced so that its longer side is at most this.
    var analysisSide = 800
    /// Fraction of pixels kept as edges (the strongest gradients).
    var edgeFraction: Float = 0.08

    struct Estimate {
        /// Counterclockwise angle of the text lines, degrees: turn the photo clockwise by this
        /// to straighten it.
        var angle: Float
        /// Profile concentration at `angle` over the one at 0 degrees: how much better the
        /// turned lines line up. Near 1 when the photo has no straight text lines.
        var gain: Float
    }

    func estimate(_ image: GrayImage) -> Estimate {
        let side = max(image.width, image.height)
        let g = image.reduced(by: max(1, (side + analysisSide - 1) / analysisSide))
        let points = edgePoints(g)
        guard points.count >= 50 else { return Estimate(angle: 0, gain: 1) }
        let height = Float(g.height), width = Float(g.width)
        func score(_ degrees: Float) -> Float {
            let t = degrees * .pi / 180
            let c = cosf(t), s = sinf(t)
            // Bins one pixel wide; the projections run from -side to 2 side.
            let offset = width + height
            let count = Int(2 * offset + 2 * (width + height)) + 2
            var across = [Int32](repeating: 0, count: count)
            var along = [Int32](repeating: 0, count: count)
            for (x, y) in points {
                // Across horizontal lines turned counterclockwise by `degrees` (y grows downwards)...
                across[Int(y * c + x * s + offset)] += 1
                // ...and across vertical lines turned the same way.
                along[Int(x * c - y * s + offset)] += 1
            }
            var sa: Float = 0, sb: Float = 0
            for i in 0..<count {
                sa += Float(across[i]) * Float(across[i])
                sb += Float(along[i]) * Float(along[i])
            }
            return max(sa, sb)
        }
        var best: Float = 0, bestScore = score(0)
        let zero = bestScore
        var a = -maxAngle
        while a <= maxAngle {
            if a != 0 {
                let s = score(a)
                if s > bestScore { (best, bestScore) = (a, s) }
            }
            a += coarseStep
        }
        let center = best
        a = center - coarseStep + fineStep
        while a < center + coarseStep {
            let s = score(a)
            if s > bestScore { (best, bestScore) = (a, s) }
            a += fineStep
        }
        return Estimate(angle: best, gain: zero > 0 ? bestScore / zero : 1)
    }

    /// Coordinates of the strongest `edgeFraction` of gradients (at least 20 luma levels of
    /// horizontal plus vertical difference).
    func edgePoints(_ g: GrayImage) -> [(Float, Float)] {
        let w = g.width, h = g.height
        guard w > 2, h > 2 else { return [] }
        var magnitude = [Int](repeating: 0, count: w * h) // (H, W)
        var histogram = [Int](repeating: 0, count: 2 * 255 + 1)
        g.pixels.withUnsafeBufferPointer { p in
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let i = y * w + x
                    let m = abs(Int(p[i + 1]) - Int(p[i - 1])) + abs(Int(p[i + w]) - Int(p[i - w]))
                    magnitude[i] = m
                    histogram[m] += 1
                }
            }
        }
        let keep = Int(Float((w - 2) * (h - 2)) * edgeFraction)
        var cut = histogram.count - 1, seen = 0
        while cut > 20, seen + histogram[cut] <= keep {
            seen += histogram[cut]
            cut -= 1
        }
        var points: [(Float, Float)] = []
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) where magnitude[y * w + x] > cut {
                points.append((Float(x), Float(y)))
            }
        }
        return points
    }
}

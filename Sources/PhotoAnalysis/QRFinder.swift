import Foundation

/// Finds QR codes' finder patterns (the three nested squares, dark-light-dark in widths
/// 1:1:3:1:1 across both axes) whether or not zbar can decode the code, so that a QR code cut
/// off by the frame still gets aiming advice. A code with all three patterns visible is one zbar
/// reads unless it is blurred; with one or two, the rest of it lies past the frame edge nearest
/// to them.
struct QRFinder {
    var analysisSide = 640
    /// Each run may differ from its share of the pattern by this fraction of a module
    /// (the centre run by three times as much).
    var tolerance: Float = 0.6
    /// A pattern must be found on at least this many rows, and on this fraction of its size:
    /// its centre square is 3 of its 7 modules high, while data modules that happen to line up
    /// 1:1:3:1:1 do so for a module or two.
    var minRows = 3
    var minRowsFraction: Float = 0.3

    struct Pattern {
        var x: Float
        var y: Float
        /// Pattern width in pixels (7 modules).
        var size: Float
        var rows: Int
    }

    func find(_ full: GrayImage) -> [CodeRegion] {
        let side = max(full.width, full.height)
        let factor = max(1, (side + analysisSide - 1) / analysisSide)
        let g = full.reduced(by: factor)
        let w = g.width, h = g.height
        guard w >= 21, h >= 21 else { return [] }
        var histogram = [Int](repeating: 0, count: 256)
        for v in g.pixels { histogram[Int(v)] += 1 }
        func percentile(_ q: Double) -> Int {
            var seen = 0
            for (v, c) in histogram.enumerated() {
                seen += c
                if Double(seen) >= q * Double(g.pixels.count) { return v }
            }
            return 255
        }
        let lo = percentile(0.02), hi = percentile(0.98)
        guard hi - lo > 60 else { return [] }
        let threshold = UInt8((lo + hi) / 2)
        let dark = g.pixels.map { $0 < threshold }
        // Row candidates, then a check down the candidate's column.
        var hits: [Pattern] = []
        for y in 0..<h {
            var runs: [(start: Int, length: Int, dark: Bool)] = []
            var x = 0
            while x < w {
                let d = dark[y * w + x], start = x
                while x < w && dark[y * w + x] == d { x += 1 }
                runs.append((start, x - start, d))
            }
            guard runs.count >= 5 else { continue }
            for i in 0...(runs.count - 5) where runs[i].dark {
                let lengths = (0..<5).map { Float(runs[i + $0].length) }
                guard matches(lengths) else { continue }
                let cx = Float(runs[i + 2].start) + lengths[2] / 2
                let total = lengths.reduce(0, +)
                if verticalMatch(dark, w: w, h: h, x: Int(cx), y: y, size: total) {
                    hits.append(Pattern(x: cx, y: Float(y), size: total, rows: 1))
                }
            }
        }
        // Hits of one pattern lie within half its size of each other.
        var patterns: [Pattern] = []
        for hit in hits {
            if let j = patterns.firstIndex(where: { abs($0.x - hit.x) < $0.size / 2 && abs($0.y / Float($0.rows) - hit.y) < $0.size / 2 }) {
                patterns[j].x = (patterns[j].x * Float(patterns[j].rows) + hit.x) / Float(patterns[j].rows + 1)
                patterns[j].y += hit.y
                patterns[j].rows += 1
            } else {
                patterns.append(hit)
            }
        }
        patterns = patterns.filter { $0.rows >= minRows && Float($0.rows) >= minRowsFraction * $0.size }.map { p in
            var q = p
            q.y = p.y / Float(p.rows)
            return q
        }
        guard !patterns.isEmpty else { return [] }
        // The code's extent: the patterns' box grown by one pattern on each side.
        let size = patterns.map(\.size).max()!
        let x0 = max(0, patterns.map(\.x).min()! - 1.5 * size), x1 = min(Float(w), patterns.map(\.x).max()! + 1.5 * size)
        let y0 = max(0, patterns.map(\.y).min()! - 1.5 * size), y1 = min(Float(h), patterns.map(\.y).max()! + 1.5 * size)
        let cx = patterns.map(\.x).reduce(0, +) / Float(patterns.count)
        let cy = patterns.map(\.y).reduce(0, +) / Float(patterns.count)
        // The rest of the code lies past the nearest edge.
        let distances: [(FrameEdge, Float)] = [(.left, cx), (.right, Float(w) - cx), (.top, cy), (.bottom, Float(h) - cy)]
        let nearest = distances.min { $0.1 < $1.1 }!
        // All three patterns: the whole code is in the frame, and zbar failed on it (blur).
        let cut = patterns.count >= 3 ? [] : [nearest.0]
        let f = Float(factor)
        let rect = ImageRect(x: Int(x0 * f), y: Int(y0 * f), width: Int((x1 - x0) * f), height: Int((y1 - y0) * f))
        return [CodeRegion(bounds: rect, cutEdges: cut,
                           position: FramePosition(x: Double(cx), y: Double(cy), width: Double(w), height: Double(h)),
                           angle: 0, widthFraction: Double(x1 - x0) / Double(w), heightFraction: Double(y1 - y0) / Double(h),
                           kind: .qr)]
    }

    /// Whether five run lengths are in the proportion 1:1:3:1:1.
    private func matches(_ l: [Float]) -> Bool {
        let total = l.reduce(0, +)
        guard total >= 14 else { return false }
        let module = total / 7
        let expected: [Float] = [1, 1, 3, 1, 1]
        for k in 0..<5 {
            let allowed = (k == 2 ? 3 : 1) * tolerance * module
            if abs(l[k] - expected[k] * module) > allowed { return false }
        }
        return true
    }

    /// The same proportions down column `x`, around row `y`.
    private func verticalMatch(_ dark: [Bool], w: Int, h: Int, x: Int, y: Int, size: Float) -> Bool {
        guard x >= 0, x < w, dark[y * w + x] else { return false }
        func run(from start: Int, step: Int, dark d: Bool) -> Int {
            var n = 0, yy = start
            while yy >= 0, yy < h, dark[yy * w + x] == d, n <= Int(size) { n += 1; yy += step }
            return n
        }
        // Centre run up and down, then light and dark rings on each side.
        let up = run(from: y, step: -1, dark: true), down = run(from: y + 1, step: 1, dark: true)
        let lightUp = run(from: y - up, step: -1, dark: false), lightDown = run(from: y + 1 + down, step: 1, dark: false)
        let darkUp = run(from: y - up - lightUp, step: -1, dark: true)
        let darkDown = run(from: y + 1 + down + lightDown, step: 1, dark: true)
        return matches([Float(darkUp), Float(lightUp), Float(up + down), Float(lightDown), Float(darkDown)])
    }
}

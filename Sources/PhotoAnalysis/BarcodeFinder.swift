import Foundation

/// Finds regions that look like a linear bar code whether or not they can be decoded: blocks
/// full of strong gradients that all point the same way (many parallel bar edges), grown into
/// connected regions of like direction.
///
/// Per block of `block` x `block` pixels of the photo reduced to at most `analysisSide`:
/// the structure tensor of the central-difference gradients gives the energy, the coherence
/// (1 for edges that are all parallel, near 0 for text, texture and corners) and the direction.
/// A bar code block has most of its pixels on a strong edge and coherence near 1; a single
/// straight edge (a table's rim) is coherent but covers few pixels, and text is dense but points
/// every way. Thresholds and their margins on the fixtures are in docs/analysis.md.
struct BarcodeFinder {
    var analysisSide = 640
    var block = 8
    /// Gradient magnitude (luma per pixel, |dx| + |dy| of central differences / 2) that counts as
    /// an edge pixel.
    var edgeMagnitude: Float = 12
    /// Fraction of a block's pixels on edges.
    var minEdgeFraction: Float = 0.15
    var minCoherence: Float = 0.8
    /// Neighbouring blocks join a region when their directions differ by less than this (degrees).
    var maxAngleStep: Float = 20
    /// Regions of fewer blocks are ignored.
    var minBlocks = 10
    /// A region must be at least this many blocks across the bars: a bar code has many of them.
    var minAcross = 5
    var minCrossings = 6
    /// The widest dark run at least this many times the narrowest, and the same for light runs.
    var minWidthRatio: Float = 1.8
    var minProfileCorrelation: Float = 0.7

    func find(_ full: GrayImage) -> [CodeRegion] {
        let side = max(full.width, full.height)
        let factor = max(1, (side + analysisSide - 1) / analysisSide)
        let g = full.reduced(by: factor)
        let w = g.width, h = g.height
        let bw = w / block, bh = h / block
        guard bw >= 4, bh >= 4 else { return [] }
        // Per block: structure tensor sums, edge pixels and pixels counted.
        var txx = [Float](repeating: 0, count: bw * bh), tyy = txx, txy = txx, edges = txx, counted = txx
        g.pixels.withUnsafeBufferPointer { p in
            for by in 0..<bh {
                for bx in 0..<bw {
                    var jxx: Float = 0, jyy: Float = 0, jxy: Float = 0, e: Float = 0, n: Float = 0
                    for y in (by * block)..<(by * block + block) where y > 0 && y < h - 1 {
                        for x in (bx * block)..<(bx * block + block) where x > 0 && x < w - 1 {
                            let i = y * w + x
                            let dx = (Float(p[i + 1]) - Float(p[i - 1])) / 2
                            let dy = (Float(p[i + w]) - Float(p[i - w])) / 2
                            jxx += dx * dx; jyy += dy * dy; jxy += dx * dy
                            if abs(dx) + abs(dy) >= edgeMagnitude { e += 1 }
                            n += 1
                        }
                    }
                    let index = by * bw + bx
                    txx[index] = jxx; tyy[index] = jyy; txy[index] = jxy; edges[index] = e; counted[index] = n
                }
            }
        }
        // Judged over each block and its 8 neighbours (24 x 24 pixels), so that a bar code's
        // wide bars and spaces, which leave single blocks without edges, do not split it.
        var candidate = [Bool](repeating: false, count: bw * bh)
        var angle = [Float](repeating: 0, count: bw * bh)
        for by in 0..<bh {
            for bx in 0..<bw {
                var jxx: Float = 0, jyy: Float = 0, jxy: Float = 0, e: Float = 0, n: Float = 0
                for ny in max(0, by - 1)...min(bh - 1, by + 1) {
                    for nx in max(0, bx - 1)...min(bw - 1, bx + 1) {
                        let j = ny * bw + nx
                        jxx += txx[j]; jyy += tyy[j]; jxy += txy[j]; e += edges[j]; n += counted[j]
                    }
                }
                let energy = jxx + jyy
                guard energy > 0, n > 0 else { continue }
                let coherence = sqrtf((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy) / energy
                let index = by * bw + bx
                angle[index] = 0.5 * atan2f(2 * jxy, jxx - jyy) * 180 / .pi
                candidate[index] = coherence >= minCoherence && e >= minEdgeFraction * n
            }
        }
        // Connected regions (8-neighbours) of candidate blocks with like direction.
        var label = [Int](repeating: -1, count: bw * bh)
        var regions: [CodeRegion] = []
        for start in 0..<(bw * bh) where candidate[start] && label[start] < 0 {
            var stack = [start], members: [Int] = []
            label[start] = start
            while let i = stack.popLast() {
                members.append(i)
                let x = i % bw, y = i / bw
                for ny in max(0, y - 1)...min(bh - 1, y + 1) {
                    for nx in max(0, x - 1)...min(bw - 1, x + 1) {
                        let j = ny * bw + nx
                        guard candidate[j], label[j] < 0, angleDifference(angle[i], angle[j]) < maxAngleStep else { continue }
                        label[j] = start
                        stack.append(j)
                    }
                }
            }
            guard members.count >= minBlocks else { continue }
            let direction = circularMeanAngle(members.map { angle[$0] })
            // Extent across the bars (along the gradient), in blocks.
            let t = direction * .pi / 180
            let along = members.map { Float($0 % bw) * cosf(t) + Float($0 / bw) * sinf(t) }
            guard (along.max()! - along.min()!) + 1 >= Float(minAcross) else { continue }
            let xs = members.map { $0 % bw }, ys = members.map { $0 / bw }
            let x0 = xs.min()!, x1 = xs.max()!, y0 = ys.min()!, y1 = ys.max()!
            guard let refined = barsDirection(g, members: members, blocksWide: bw, direction: direction) else { continue }
            var cut: [FrameEdge] = []
            // Touching means the region reaches the outermost whole block (or the strip past it).
            if x0 == 0 { cut.append(.left) }
            if (x1 + 1) * block >= w - block / 2 - (w % block) { cut.append(.right) }
            if y0 == 0 { cut.append(.top) }
            if (y1 + 1) * block >= h - block / 2 - (h % block) { cut.append(.bottom) }
            let s = block * factor
            let rect = ImageRect(x: x0 * s, y: y0 * s, width: min(full.width, (x1 + 1) * s) - x0 * s,
                                 height: min(full.height, (y1 + 1) * s) - y0 * s)
            let position = FramePosition(x: Double(rect.x) + Double(rect.width) / 2, y: Double(rect.y) + Double(rect.height) / 2,
                                         width: Double(full.width), height: Double(full.height))
            regions.append(CodeRegion(bounds: rect, cutEdges: cut, position: position, angle: Double(refined),
                                      widthFraction: Double(rect.width) / Double(full.width),
                                      heightFraction: Double(rect.height) / Double(full.height)))
        }
        return regions
    }

    /// A bar code is many bars, the same all along their length: profiles across the bars,
    /// taken at three places along them, must each cross their mid level at least
    /// `minCrossings` times and agree with each other (correlation at least
    /// `minProfileCorrelation`). A mug's handle or a box's rim has a few edges; smeared text
    /// changes from one place along the smear to the next.
    /// The bars' gradient direction refined on the profiles, or nil when they do not look like bars.
    func barsDirection(_ g: GrayImage, members: [Int], blocksWide bw: Int, direction: Float) -> Float? {
        // The region's centre, in pixels.
        let centres = members.map { (Float($0 % bw * block + block / 2), Float($0 / bw * block + block / 2)) }
        let cx = centres.map(\.0).reduce(0, +) / Float(centres.count)
        let cy = centres.map(\.1).reduce(0, +) / Float(centres.count)
        func profiles(_ degrees: Float) -> [[Float]] {
            let t = degrees * .pi / 180
            let ux = cosf(t), uy = sinf(t)          // across the bars
            let vx = -uy, vy = ux                    // along the bars
            let across = centres.map { ($0.0 - cx) * ux + ($0.1 - cy) * uy }
            let along = centres.map { ($0.0 - cx) * vx + ($0.1 - cy) * vy }
            let a0 = across.min()! - Float(block), a1 = across.max()! + Float(block)
            let l0 = along.min()!, l1 = along.max()!
            return [0.25, 0.5, 0.75].map { (q: Float) -> [Float] in
                let offset = l0 + q * (l1 - l0)
                return stride(from: a0, through: a1, by: 1).map { a -> Float in
                    let x = Int((cx + a * ux + offset * vx).rounded()), y = Int((cy + a * uy + offset * vy).rounded())
                    guard x >= 0, y >= 0, x < g.width, y < g.height else { return .nan }
                    return Float(g.pixels[y * g.width + x])
                }
            }
        }
        func agreement(_ p: [[Float]]) -> Float {
            [(0, 1), (1, 2), (0, 2)].map { correlation(p[$0.0], p[$0.1]) }.min()!
        }
        // The tensor's direction is a few degrees off for turned codes (15 for 12, 34 for 30
        // on the fixtures), enough to misalign profiles a bar apart; refine it on the profiles.
        var best = profiles(direction), bestAgreement = agreement(best), bestDirection = direction
        for step in stride(from: Float(-8), through: 8, by: 0.5) where step != 0 {
            let p = profiles(direction + step), a = agreement(p)
            if a > bestAgreement { best = p; bestAgreement = a; bestDirection = direction + step }
        }
        guard bestAgreement >= minProfileCorrelation else { return nil }
        for p in best where crossings(p.filter { !$0.isNaN }).count < minCrossings { return nil }
        // Bars and spaces of a bar code come in several widths; stripes on cloth or a mug repeat one.
        let runs = crossings(best[1].filter { !$0.isNaN }).runs
        let dark = runs.filter { $0.dark }.map(\.length), light = runs.filter { !$0.dark }.map(\.length)
        guard let dMin = dark.min(), let dMax = dark.max(), let lMin = light.min(), let lMax = light.max(),
              Float(dMax) >= minWidthRatio * Float(dMin), Float(lMax) >= minWidthRatio * Float(lMin) else { return nil }
        return bestDirection
    }

    /// Crossings of the profile's mid level, with a hysteresis of 15% of its range, and the
    /// runs between them (the runs cut by the profile's ends are left out).
    private func crossings(_ p: [Float]) -> (count: Int, runs: [(dark: Bool, length: Int)]) {
        guard let lo = p.min(), let hi = p.max(), hi - lo > 20 else { return (0, []) }
        let mid = (lo + hi) / 2, band = 0.15 * (hi - lo)
        var state = 0, count = 0, lastCrossing = -1
        var runs: [(dark: Bool, length: Int)] = []
        for (i, v) in p.enumerated() {
            let s = v > mid + band ? 1 : (v < mid - band ? -1 : 0)
            if s != 0 {
                if state != 0 && s != state {
                    count += 1
                    if lastCrossing >= 0 { runs.append((dark: state < 0, length: i - lastCrossing)) }
                    lastCrossing = i
                }
                state = s
            }
        }
        return (count, runs)
    }

    /// Pearson correlation over the samples both profiles have.
    private func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let pairs = zip(a, b).filter { !$0.0.isNaN && !$0.1.isNaN }
        guard pairs.count > 2 else { return 0 }
        let n = Float(pairs.count)
        let ma = pairs.map(\.0).reduce(0, +) / n, mb = pairs.map(\.1).reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for (x, y) in pairs {
            sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / sqrtf(saa * sbb) : 0
    }

    /// Difference of two line directions (period 180 degrees), 0...90.
    private func angleDifference(_ a: Float, _ b: Float) -> Float {
        let d = abs(a - b).truncatingRemainder(dividingBy: 180)
        return min(d, 180 - d)
    }

    /// Mean of line directions (period 180 degrees), -90...90.
    private func circularMeanAngle(_ angles: [Float]) -> Float {
        var c: Float = 0, s: Float = 0
        for a in angles {
            c += cosf(2 * a * .pi / 180)
            s += sinf(2 * a * .pi / 180)
        }
        return 0.5 * atan2f(s, c) * 180 / .pi
    }
}

import Foundation

/// Names the one to three main colours in the middle of a photo ("dark blue, with some white").
///
/// 1. Cast: the light's colour is estimated from the whole frame (see `CastCorrection`) and
///    divided out in linear light, when the estimate is a plausible light and not simply the
///    colour of what fills the frame.
/// 2. The middle (`Options.middle` of each side) is averaged down to at most 64 x 64 cells and
///    converted to CIELAB.
/// 3. k-means (k = 3, deterministic farthest-point start) groups the cells; groups closer than
///    `Options.mergeDistance` in CIEDE2000 are merged (shading across one object), each is named
///    by the nearest palette entry, groups with the same name are added up, and names with less
///    than `Options.minShare` of the middle are left out.
/// 4. Too dark to judge: when even the frame's 99th luma percentile is at most
///    `Options.darkMaxP99`, the camera saw too little light for colours to mean anything.
public struct ColourNamer: Sendable {
    /// How the light's colour is taken out. Measured on Tests/Fixtures/everyday/colours under
    /// warm, cool and green light (docs/analysis.md); `whitePatch` is the default.
    public enum CastCorrection: String, Codable, Sendable, CaseIterable {
        /// Colours as the camera recorded them.
        case none
        /// The frame's mean colour is taken to be grey (Buchsbaum 1980).
        case greyWorld
        /// The frame's brightest colours (the 98th percentile per channel) are taken to be
        /// white (Land's retinex "white patch").
        case whitePatch
    }

    public struct Options: Sendable, Equatable {
        public var castCorrection: CastCorrection = .whitePatch
        /// Fraction of each side that counts as the middle.
        public var middle: Double = 0.5
        public var maxColours = 3
        public var minShare: Double = 0.12
        public var mergeDistance: Double = 10
        /// A cast is taken out only when the light's estimated colour has at most this CIELAB
        /// chroma (tungsten about 30; a frame filled by a red jumper 70)...
        public var maxCastChroma: Double = 40
        /// ...and the frame holds more than one thing: its luma spread (p95 - p5) is at least
        /// this. A frame filled by one beige box says nothing about the light.
        public var minFrameSpread: Int = 30
        public var darkMaxP99: Int = 16

        public init() {}
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public func describe(_ image: PixelImage) -> ColourReport {
        let w = image.width, h = image.height
        let luma = image.luminance()
        var histogram = [Int](repeating: 0, count: 256)
        for v in luma { histogram[Int(v)] += 1 }
        var seen = 0, p99 = 255
        for (v, c) in histogram.enumerated() {
            seen += c
            if seen * 100 >= 99 * luma.count { p99 = v; break }
        }
        if p99 <= options.darkMaxP99 {
            return ColourReport(colours: [], tooDark: true, castGains: [1, 1, 1])
        }
        // The middle, averaged into cells, in linear light.
        let x0 = Int(Double(w) * (1 - options.middle) / 2), y0 = Int(Double(h) * (1 - options.middle) / 2)
        let mw = max(1, Int(Double(w) * options.middle)), mh = max(1, Int(Double(h) * options.middle))
        let cellsX = min(64, mw), cellsY = min(64, mh)
        var cells: [(Double, Double, Double)] = []
        cells.reserveCapacity(cellsX * cellsY)
        let lin = LabColour.linear
        image.rgb.withUnsafeBufferPointer { p in
            for cy in 0..<cellsY {
                let ya = y0 + cy * mh / cellsY, yb = max(ya + 1, y0 + (cy + 1) * mh / cellsY)
                for cx in 0..<cellsX {
                    let xa = x0 + cx * mw / cellsX, xb = max(xa + 1, x0 + (cx + 1) * mw / cellsX)
                    var r = 0.0, g = 0.0, b = 0.0
                    for y in ya..<min(yb, h) {
                        for x in xa..<min(xb, w) {
                            let i = 3 * (y * w + x)
                            r += lin[Int(p[i])]; g += lin[Int(p[i + 1])]; b += lin[Int(p[i + 2])]
                        }
                    }
                    let n = Double((min(yb, h) - ya) * (min(xb, w) - xa))
                    cells.append((r / n, g / n, b / n))
                }
            }
        }
        var p5 = 0
        seen = 0
        for (v, c) in histogram.enumerated() {
            seen += c
            if seen * 100 >= 5 * luma.count { p5 = v; break }
        }
        seen = 0
        var p95 = 255
        for (v, c) in histogram.enumerated() {
            seen += c
            if seen * 100 >= 95 * luma.count { p95 = v; break }
        }
        let gains = p95 - p5 >= options.minFrameSpread ? castGains(image) : [1, 1, 1]
        let labs = cells.map { LabColour(linearR: min(1, $0.0 * gains[0]), g: min(1, $0.1 * gains[1]), b: min(1, $0.2 * gains[2])) }
        return ColourReport(colours: cluster(labs), tooDark: false, castGains: gains)
    }

    /// Per-channel gains that make the light white, relative to green; [1, 1, 1] when no cast
    /// is taken out.
    func castGains(_ image: PixelImage) -> [Double] {
        let lin = LabColour.linear
        var light: (Double, Double, Double)
        switch options.castCorrection {
        case .none:
            return [1, 1, 1]
        case .greyWorld:
            var r = 0.0, g = 0.0, b = 0.0
            let n = image.width * image.height
            for i in 0..<n {
                r += lin[Int(image.rgb[3 * i])]; g += lin[Int(image.rgb[3 * i + 1])]; b += lin[Int(image.rgb[3 * i + 2])]
            }
            light = (r / Double(n), g / Double(n), b / Double(n))
        case .whitePatch:
            var hists = [[Int]](repeating: [Int](repeating: 0, count: 256), count: 3)
            for i in 0..<(image.width * image.height) {
                for c in 0..<3 { hists[c][Int(image.rgb[3 * i + c])] += 1 }
            }
            func p98(_ hist: [Int]) -> Double {
                var seen = 0
                let n = image.width * image.height
                for (v, count) in hist.enumerated() {
                    seen += count
                    if seen * 100 >= 98 * n { return lin[v] }
                }
                return 1
            }
            light = (p98(hists[0]), p98(hists[1]), p98(hists[2]))
        }
        guard light.0 > 0, light.1 > 0, light.2 > 0 else { return [1, 1, 1] }
        // Judge the light's colour at a fixed lightness, so that a dim light is not taken for grey.
        let scale = 0.5 / max(light.0, light.1, light.2)
        let lightLab = LabColour(linearR: light.0 * scale, g: light.1 * scale, b: light.2 * scale)
        guard lightLab.chroma <= options.maxCastChroma else { return [1, 1, 1] }
        return [light.1 / light.0, 1, light.1 / light.2]
    }

    /// k-means on the cells, merged and named.
    func cluster(_ labs: [LabColour]) -> [NamedColour] {
        guard let first = labs.first else { return [] }
        func d2(_ p: LabColour, _ q: LabColour) -> Double {
            (p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) + (p.b - q.b) * (p.b - q.b)
        }
        // Farthest-point start: the cell nearest the mean, then repeatedly the cell farthest
        // from the centres chosen so far.
        let n = Double(labs.count)
        let mean = LabColour(l: labs.map(\.l).reduce(0, +) / n, a: labs.map(\.a).reduce(0, +) / n, b: labs.map(\.b).reduce(0, +) / n)
        var centres = [labs.min { d2($0, mean) < d2($1, mean) } ?? first]
        while centres.count < options.maxColours {
            let far = labs.max { a, b in centres.map { d2(a, $0) }.min()! < centres.map { d2(b, $0) }.min()! }!
            if centres.map({ d2(far, $0) }).min()! < 4 { break }
            centres.append(far)
        }
        var assignment = [Int](repeating: 0, count: labs.count)
        for _ in 0..<12 {
            for (i, p) in labs.enumerated() {
                assignment[i] = centres.indices.min { d2(p, centres[$0]) < d2(p, centres[$1]) }!
            }
            for k in centres.indices {
                let members = labs.indices.filter { assignment[$0] == k }.map { labs[$0] }
                guard !members.isEmpty else { continue }
                let m = Double(members.count)
                centres[k] = LabColour(l: members.map(\.l).reduce(0, +) / m, a: members.map(\.a).reduce(0, +) / m,
                                       b: members.map(\.b).reduce(0, +) / m)
            }
        }
        var groups: [(lab: LabColour, count: Int)] = centres.indices.map { k in
            (centres[k], assignment.filter { $0 == k }.count)
        }.filter { $0.count > 0 }.sorted { $0.count > $1.count }
        // Merge groups that are shades of one colour into the larger.
        var merged: [(lab: LabColour, count: Int)] = []
        for g in groups {
            if let j = merged.firstIndex(where: { $0.lab.difference(g.lab) < options.mergeDistance }) {
                let total = Double(merged[j].count + g.count)
                let wa = Double(merged[j].count) / total, wb = Double(g.count) / total
                merged[j].lab = LabColour(l: merged[j].lab.l * wa + g.lab.l * wb, a: merged[j].lab.a * wa + g.lab.a * wb,
                                          b: merged[j].lab.b * wa + g.lab.b * wb)
                merged[j].count += g.count
            } else {
                merged.append(g)
            }
        }
        groups = merged
        var named: [NamedColour] = []
        for g in groups {
            let (name, distance) = ColourPalette.nearest(g.lab)
            let share = Double(g.count) / n
            if let j = named.firstIndex(where: { $0.name == name }) {
                named[j].share += share
            } else {
                named.append(NamedColour(name: name, share: share, lab: g.lab, distance: distance))
            }
        }
        return named.filter { $0.share >= options.minShare }.sorted { $0.share > $1.share }
    }
}

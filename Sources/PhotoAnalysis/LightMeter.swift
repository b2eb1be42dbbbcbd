import Foundation

/// How bright a photo is, in words, and where its brightest part is ("Bright light, upper
/// left."), for finding a window or checking that a lamp is on.
///
/// Brightness is the mean CIELAB lightness L* of the frame (perceptual, so that "dim" and
/// "bright" sit where people put them), 0...1. The brightest part: the frame is averaged into a
/// 12 x 9 grid of linear-light cells; the cells within 10% of the brightest are taken, and the
/// ninth of the frame their centroid falls in is named. When even the brightest cell is less
/// than `evenRatio` times the frame's mean, the light is called evenly spread.
public struct LightMeter: Sendable {
    public enum Level: String, Codable, Sendable, CaseIterable {
        case dark, dim, moderate, bright, veryBright

        public var words: String {
            switch self {
            case .dark: return "Dark"
            case .dim: return "Dim light"
            case .moderate: return "Moderate light"
            case .bright: return "Bright light"
            case .veryBright: return "Very bright light"
            }
        }
    }

    /// Upper L* bounds (0...100) of dark, dim, moderate and bright; above is very bright.
    public var levelBounds: [Double] = [8, 30, 55, 80]
    public var evenRatio: Double = 1.25
    public var gridColumns = 12
    public var gridRows = 9

    public init() {}

    public func measure(_ image: PixelImage) -> LightReport {
        let w = image.width, h = image.height
        let luma = image.luminance()
        let lin = LabColour.linear
        var sumL = 0.0
        var cells = [Double](repeating: 0, count: gridColumns * gridRows)
        var counts = [Int](repeating: 0, count: gridColumns * gridRows)
        // L* of every luma value, once.
        let lightness: [Double] = (0..<256).map { LabColour(linearR: lin[$0], g: lin[$0], b: lin[$0]).l }
        let step = max(1, Int((Double(w * h) / 400_000).squareRoot()))
        var n = 0
        for y in stride(from: 0, to: h, by: step) {
            let row = min(gridRows - 1, y * gridRows / h)
            for x in stride(from: 0, to: w, by: step) {
                let v = Int(luma[y * w + x])
                sumL += lightness[v]
                let c = row * gridColumns + min(gridColumns - 1, x * gridColumns / w)
                cells[c] += lin[v]
                counts[c] += 1
                n += 1
            }
        }
        for i in cells.indices where counts[i] > 0 { cells[i] /= Double(counts[i]) }
        let meanL = sumL / Double(max(1, n))
        let level = Level.allCases[levelBounds.firstIndex { meanL < $0 } ?? levelBounds.count]
        let mean = cells.reduce(0, +) / Double(cells.count)
        let top = cells.max() ?? 0
        var position: FramePosition?
        if top > 0, top >= evenRatio * mean {
            var sx = 0.0, sy = 0.0, weight = 0.0
            for (i, v) in cells.enumerated() where v >= 0.9 * top {
                sx += (Double(i % gridColumns) + 0.5) * v
                sy += (Double(i / gridColumns) + 0.5) * v
                weight += v
            }
            position = FramePosition(x: sx / weight, y: sy / weight, width: Double(gridColumns), height: Double(gridRows))
        }
        return LightReport(level: level, brightness: meanL / 100, brightest: position)
    }

    /// The light tone's pitch for a brightness (0...1, `LightReport.brightness`): 220 Hz for
    /// black to 1760 Hz for white, exponential (three octaves), so that equal steps of
    /// brightness are equal musical intervals. Values outside 0...1 are clamped.
    public static func tonePitch(forBrightness brightness: Double) -> Double {
        220 * pow(2, 3 * min(1, max(0, brightness)))
    }
}

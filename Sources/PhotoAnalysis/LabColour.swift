import Foundation

/// A colour in CIELAB (D65 white, 2-degree observer), made from 8-bit sRGB, with the CIEDE2000
/// colour difference.
public struct LabColour: Codable, Sendable, Equatable {
    public var l: Double
    public var a: Double
    public var b: Double

    public init(l: Double, a: Double, b: Double) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// From linear-light RGB, 0...1 each.
    public init(linearR r: Double, g: Double, b bl: Double) {
        let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * bl) / 0.95047
        let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * bl
        let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * bl) / 1.08883
        func f(_ t: Double) -> Double {
            t > 216.0 / 24389 ? cbrt(t) : t * (24389.0 / 27) / 116 + 16.0 / 116
        }
        let fx = f(x), fy = f(y), fz = f(z)
        self.init(l: 116 * fy - 16, a: 500 * (fx - fy), b: 200 * (fy - fz))
    }

    /// From 8-bit sRGB.
    public init(srgb r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.init(linearR: LabColour.linear[Int(r)], g: LabColour.linear[Int(g)], b: LabColour.linear[Int(b)])
    }

    /// sRGB decoding (IEC 61966-2-1) of every 8-bit value.
    public static let linear: [Double] = (0..<256).map { v in
        let c = Double(v) / 255
        return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }

    /// Chroma, sqrt(a^2 + b^2).
    public var chroma: Double { (a * a + b * b).squareRoot() }

    /// CIEDE2000 difference (Sharma, Wu, Dalal 2005), kL = kC = kH = 1.
    public func difference(_ other: LabColour) -> Double {
        let deg = Double.pi / 180
        let c1 = chroma, c2 = other.chroma
        let cBar7 = pow((c1 + c2) / 2, 7)
        let g = 0.5 * (1 - (cBar7 / (cBar7 + pow(25, 7))).squareRoot())
        let a1 = (1 + g) * a, a2 = (1 + g) * other.a
        let c1p = (a1 * a1 + b * b).squareRoot(), c2p = (a2 * a2 + other.b * other.b).squareRoot()
        func hue(_ bb: Double, _ aa: Double) -> Double {
            if aa == 0 && bb == 0 { return 0 }
            let h = atan2(bb, aa) / deg
            return h < 0 ? h + 360 : h
        }
        let h1 = hue(b, a1), h2 = hue(other.b, a2)
        let dL = other.l - l, dC = c2p - c1p
        var dh = 0.0
        if c1p * c2p != 0 {
            dh = h2 - h1
            if dh > 180 { dh -= 360 } else if dh < -180 { dh += 360 }
        }
        let dH = 2 * (c1p * c2p).squareRoot() * sin(dh / 2 * deg)
        let lBar = (l + other.l) / 2, cBarP = (c1p + c2p) / 2
        var hBar = h1 + h2
        if c1p * c2p != 0 {
            if abs(h1 - h2) <= 180 { hBar = (h1 + h2) / 2 } else if h1 + h2 < 360 { hBar = (h1 + h2 + 360) / 2 } else { hBar = (h1 + h2 - 360) / 2 }
        }
        let t = 1 - 0.17 * cos((hBar - 30) * deg) + 0.24 * cos(2 * hBar * deg)
            + 0.32 * cos((3 * hBar + 6) * deg) - 0.20 * cos((4 * hBar - 63) * deg)
        let dTheta = 30 * exp(-pow((hBar - 275) / 25, 2))
        let cBarP7 = pow(cBarP, 7)
        let rC = 2 * (cBarP7 / (cBarP7 + pow(25, 7))).squareRoot()
        let sL = 1 + 0.015 * pow(lBar - 50, 2) / (20 + pow(lBar - 50, 2)).squareRoot()
        let sC = 1 + 0.045 * cBarP, sH = 1 + 0.015 * cBarP * t
        let rT = -sin(2 * dTheta * deg) * rC
        let x = dL / sL, y = dC / sC, z = dH / sH
        return (x * x + y * y + z * z + rT * y * z).squareRoot()
    }
}

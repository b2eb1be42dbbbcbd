import Foundation

/// An 8-bit single-channel image with the cheap geometric operations the analysis needs.
struct GrayImage: Sendable {
    let width: Int
    let height: Int
    /// (H, W)
    var pixels: [UInt8]

    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "GrayImage buffer does not match its size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    init(_ image: PixelImage) {
        self.init(width: image.width, height: image.height, pixels: image.luminance())
    }

    /// The image turned clockwise by `degrees` (0, 90, 180 or 270): what makes text that was
    /// photographed turned counterclockwise by that much upright again.
    func rotatedClockwise(_ degrees: Int) -> GrayImage {
        let w = width, h = height
        switch degrees {
        case 0:
            return self
        case 180:
            return GrayImage(width: w, height: h, pixels: Array(pixels.reversed()))
        case 90, 270:
            var out = [UInt8](repeating: 0, count: w * h)
            pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    // Output is (W, H): out row r, column c.
                    for y in 0..<h {
                        for x in 0..<w {
                            let (r, c) = degrees == 90 ? (x, h - 1 - y) : (w - 1 - x, y)
                            dst[r * h + c] = src[y * w + x]
                        }
                    }
                }
            }
            return GrayImage(width: h, height: w, pixels: out)
        default:
            preconditionFailure("rotation must be a multiple of 90 degrees, got \(degrees)")
        }
    }

    /// The image turned clockwise by `degrees` (any angle) about its centre, bilinearly
    /// sampled, on a canvas grown to hold all of it; uncovered corners get `fill`. Text lines
    /// at `degrees` counterclockwise come out horizontal.
    func rotated(clockwise degrees: Float, fill: UInt8) -> GrayImage {
        let t = degrees * .pi / 180
        let c = cosf(t), s = sinf(t)
        let fw = Float(width), fh = Float(height)
        let ow = Int((fw * abs(c) + fh * abs(s)).rounded(.up))
        let oh = Int((fw * abs(s) + fh * abs(c)).rounded(.up))
        let icx = Float(width - 1) / 2, icy = Float(height - 1) / 2
        let ocx = Float(ow - 1) / 2, ocy = Float(oh - 1) / 2
        var out = [UInt8](repeating: fill, count: ow * oh)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    let dy = Float(oy) - ocy
                    for ox in 0..<ow {
                        let dx = Float(ox) - ocx
                        // Inverse of the clockwise turn (y grows downwards).
                        let sx: Float = c * dx + s * dy + icx
                        let sy: Float = c * dy - s * dx + icy
                        guard sx >= 0, sy >= 0, sx <= fw - 1, sy <= fh - 1 else { continue }
                        let x0 = Int(sx), y0 = Int(sy)
                        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                        let fx: Float = sx - Float(x0), fy: Float = sy - Float(y0)
                        let p00 = Float(src[y0 * width + x0]), p01 = Float(src[y0 * width + x1])
                        let p10 = Float(src[y1 * width + x0]), p11 = Float(src[y1 * width + x1])
                        let top: Float = p00 + (p01 - p00) * fx
                        let bottom: Float = p10 + (p11 - p10) * fx
                        dst[oy * ow + ox] = UInt8(top + (bottom - top) * fy + 0.5)
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }

    /// The median pixel value.
    func median() -> UInt8 {
        var histogram = [Int](repeating: 0, count: 256)
        for v in pixels { histogram[Int(v)] += 1 }
        var seen = 0
        for (value, count) in histogram.enumerated() {
            seen += count
            if 2 * seen >= pixels.count { return UInt8(value) }
        }
        return 255
    }

    /// Light text on a dark ground turned into dark on light, which Tesseract's page layout
    /// analysis expects.
    func inverted() -> GrayImage {
        GrayImage(width: width, height: height, pixels: pixels.map { 255 - $0 })
    }

    /// Box-filter reduction by an integer factor (area averaging, like PIL's `reduce`).
    func reduced(by factor: Int) -> GrayImage {
        precondition(factor >= 1, "reduction factor must be positive")
        if factor == 1 { return self }
        let ow = max(1, width / factor), oh = max(1, height / factor)
        var out = [UInt8](repeating: 0, count: ow * oh)
        let area = UInt32(factor * factor)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum: UInt32 = 0
                        for dy in 0..<factor {
                            let row = (oy * factor + dy) * width + ox * factor
                            for dx in 0..<factor { sum &+= UInt32(src[row + dx]) }
                        }
                        dst[oy * ow + ox] = UInt8((sum + area / 2) / area)
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }

    /// Bilinear enlargement by an integer factor, for text too small for Tesseract's
    /// recognizer (it was trained on x-heights of roughly 20-30 pixels).
    func enlarged(by factor: Int) -> GrayImage {
        precondition(factor >= 1, "enlargement factor must be positive")
        if factor == 1 { return self }
        let ow = width * factor, oh = height * factor
        var out = [UInt8](repeating: 0, count: ow * oh)
        let scale = 1.0 / Float(factor)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for oy in 0..<oh {
                    // Pixel centres aligned as in PIL's resize: src = (dst + 0.5) / f - 0.5.
                    let sy = max(0, min(Float(height - 1), (Float(oy) + 0.5) * scale - 0.5))
                    let y0 = Int(sy), y1 = min(y0 + 1, height - 1)
                    let fy = sy - Float(y0)
                    for ox in 0..<ow {
                        let sx = max(0, min(Float(width - 1), (Float(ox) + 0.5) * scale - 0.5))
                        let x0 = Int(sx), x1 = min(x0 + 1, width - 1)
                        let fx = sx - Float(x0)
                        let top = Float(src[y0 * width + x0]) * (1 - fx) + Float(src[y0 * width + x1]) * fx
                        let bottom = Float(src[y1 * width + x0]) * (1 - fx) + Float(src[y1 * width + x1]) * fx
                        dst[oy * ow + ox] = UInt8(top * (1 - fy) + bottom * fy + 0.5)
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }

    /// The rectangle (`x`, `y`, `width`, `height`), which must lie inside the image.
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> GrayImage {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height, "crop outside the image")
        var out = [UInt8](repeating: 0, count: w * h)
        for row in 0..<h {
            let src = (y + row) * width + x
            out.replaceSubrange((row * w)..<(row * w + w), with: pixels[src..<(src + w)])
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Unsharp mask: the image plus `amount` times its difference from a 5x5 binomial blur,
    /// which steepens edges a little blur has softened.
    func sharpened(amount: Float = 1.5) -> GrayImage {
        let w = width, h = height
        let k: [Float] = [1, 4, 6, 4, 1].map { $0 / 16 }
        var horizontal = [Float](repeating: 0, count: w * h), blurred = horizontal
        for y in 0..<h {
            for x in 0..<w {
                var acc: Float = 0
                for (j, kv) in k.enumerated() { acc += kv * Float(pixels[y * w + min(w - 1, max(0, x + j - 2))]) }
                horizontal[y * w + x] = acc
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var acc: Float = 0
                for (j, kv) in k.enumerated() { acc += kv * horizontal[min(h - 1, max(0, y + j - 2)) * w + x] }
                blurred[y * w + x] = acc
            }
        }
        var out = [UInt8](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let v = Float(pixels[i]) + amount * (Float(pixels[i]) - blurred[i])
            out[i] = UInt8(max(0, min(255, v.rounded())))
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}

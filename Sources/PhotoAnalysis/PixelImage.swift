/// An upright photo as plain pixels: interleaved 8-bit RGB, rows top to bottom.
///
/// The same layout as Vision's `RGBImage` (and PIL's `convert("RGB")`), so the daemon can hand
/// a decoded photo over without copying through another format. PhotoAnalysis never decodes
/// files itself.
public struct PixelImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// (H, W, 3) row-major, R G B per pixel.
    public let rgb: [UInt8]

    /// Fails when the buffer does not hold exactly `width * height * 3` bytes.
    public init(width: Int, height: Int, rgb: [UInt8]) throws {
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15 else {
            throw PixelImageError.badSize(width: width, height: height)
        }
        guard rgb.count == width * height * 3 else {
            throw PixelImageError.badBuffer(width: width, height: height, bytes: rgb.count)
        }
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    /// Luma per pixel with the ITU-R BT.601 weights that leptonica's `pixConvertRGBToLuminance`
    /// and PIL's `convert("L")` use. (H, W)
    public func luminance() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height)
        rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<dst.count {
                    // Fixed point 299/587/114 per mille, rounded like PIL (L = R*299/1000 + ...).
                    let r = UInt32(src[3 * i]), g = UInt32(src[3 * i + 1]), b = UInt32(src[3 * i + 2])
                    dst[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                }
            }
        }
        return out
    }
}

/// A pixel buffer that does not match its stated size.
public enum PixelImageError: Error, CustomStringConvertible, Equatable {
    case badSize(width: Int, height: Int)
    case badBuffer(width: Int, height: Int, bytes: Int)

    public var description: String {
        switch self {
        case let .badSize(w, h):
            return "image size \(w)x\(h) is not usable (each side must be 1...32768 pixels)"
        case let .badBuffer(w, h, n):
            return "image buffer has \(n) bytes, but \(w)x\(h) RGB needs \(w * h * 3)"
        }
    }
}

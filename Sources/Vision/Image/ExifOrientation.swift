/// EXIF tag 0x0112 and the transposition Pillow 9.4's `ImageOps.exif_transpose` applies for it.
///
/// Value 1 and anything outside 1...8 leave the image as stored, as in Pillow.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1
    /// Pillow `FLIP_LEFT_RIGHT`.
    case upMirrored = 2
    /// Pillow `ROTATE_180`.
    case down = 3
    /// Pillow `FLIP_TOP_BOTTOM`.
    case downMirrored = 4
    /// Pillow `TRANSPOSE` (mirror across the main diagonal).
    case leftMirrored = 5
    /// Pillow `ROTATE_270` (a quarter turn clockwise).
    case right = 6
    /// Pillow `TRANSVERSE` (mirror across the anti-diagonal).
    case rightMirrored = 7
    /// Pillow `ROTATE_90` (a quarter turn counter-clockwise).
    case left = 8

    /// The orientation recorded in a TIFF structure (the payload of a JPEG APP1 "Exif\0\0"
    /// segment after that prefix, or of a PNG eXIf chunk), or nil if there is none.
    ///
    /// Mirrors `Image.Exif.load` / `TiffImagePlugin.ImageFileDirectory_v2.load`: only IFD0 is
    /// read, an entry cut off by the end of the data ends the directory, and a later 0x0112 entry
    /// overrides an earlier one. Only single integer values (SHORT, LONG, SSHORT, SLONG) count.
    /// Where Pillow would raise on a malformed header, this returns nil (the image stays as stored).
    static func parse(tiff: UnsafeRawBufferPointer) -> ExifOrientation? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1], tiff[2], tiff[3]) {
        case (0x49, 0x49, 0x2A, 0x00): littleEndian = true
        case (0x4D, 0x4D, 0x00, 0x2A): littleEndian = false
        default: return nil
        }
        func u16(_ at: Int) -> Int {
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int {
            littleEndian ? u16(at) | u16(at + 2) << 16 : u16(at) << 16 | u16(at + 2)
        }
        let ifd = u32(4)
        guard ifd <= tiff.count - 2 else { return nil }
        let entries = u16(ifd)
        var value: Int?
        var entry = ifd + 2
        for _ in 0..<entries {
            guard entry + 12 <= tiff.count else { break }
            if u16(entry) == 0x0112 && u32(entry + 4) == 1 {
                switch u16(entry + 2) {
                case 3: value = u16(entry + 8)
                case 8: value = Int(Int16(truncatingIfNeeded: u16(entry + 8)))
                case 4: value = u32(entry + 8)
                case 9: value = Int(Int32(truncatingIfNeeded: u32(entry + 8)))
                default: break
                }
            }
            entry += 12
        }
        return value.flatMap(ExifOrientation.init(rawValue:))
    }

    /// `image` turned upright: exactly `image.transpose(method)` for this orientation.
    public func apply(to image: RGBImage) -> RGBImage {
        if self == .up { return image }
        let w = image.width, h = image.height
        let swaps = rawValue >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        // Source pixel index = base + x * dx + y * dy for output pixel (x, y).
        let base: Int, dx: Int, dy: Int
        switch self {
        case .up: (base, dx, dy) = (0, 1, w)
        case .upMirrored: (base, dx, dy) = (w - 1, -1, w)
        case .down: (base, dx, dy) = (w * h - 1, -1, -w)
        case .downMirrored: (base, dx, dy) = ((h - 1) * w, 1, -w)
        case .leftMirrored: (base, dx, dy) = (0, w, 1)
        case .right: (base, dx, dy) = ((h - 1) * w, -w, 1)
        case .rightMirrored: (base, dx, dy) = (w * h - 1, -w, -1)
        case .left: (base, dx, dy) = (w - 1, w, -1)
        }
        let out = [UInt8](unsafeUninitializedCapacity: ow * oh * 3) { dst, count in
            image.pixels.withUnsafeBufferPointer { src in
                // Tiles keep the column walk of the quarter turns inside the cache.
                let tile = 64
                for ty in stride(from: 0, to: oh, by: tile) {
                    for tx in stride(from: 0, to: ow, by: tile) {
                        for y in ty..<min(ty + tile, oh) {
                            var s = base + tx * dx + y * dy
                            var d = (y * ow + tx) * 3
                            for _ in tx..<min(tx + tile, ow) {
                                dst[d] = src[s * 3]
                                dst[d + 1] = src[s * 3 + 1]
                                dst[d + 2] = src[s * 3 + 2]
                                s += dx
                                d += 3
                            }
                        }
                    }
                }
            }
            count = ow * oh * 3
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}

/// An upright 8-bit RGB image: what transformers' `load_image` returns
/// (`ImageOps.exif_transpose(image).convert("RGB")` in Pillow 9.4).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Interleaved RGB, row-major, no padding. // (height, width, 3)
    public let pixels: [UInt8]

    /// Wraps `pixels`; its count must be `width * height * 3` (a programmer error otherwise).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage needs positive dimensions, got \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "RGBImage \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

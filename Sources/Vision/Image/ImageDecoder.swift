import Foundation

/// Turns JPEG or PNG bytes into the upright RGB8 image transformers' `load_image` produces with
/// Pillow 9.4: `ImageOps.exif_transpose(Image.open(f)).convert("RGB")`.
///
/// - JPEG goes through libjpeg-turbo's TurboJPEG API (the same libjpeg-turbo 2.1.5 that Debian's
///   Pillow links, with the same ISLOW DCT and fancy upsampling), so pixels are bit-identical.
/// - PNG goes through libspng; Pillow's mode conversions are reproduced byte for byte (see
///   `PNGDecoder`).
/// - EXIF orientations 2-8 are applied as `exif_transpose` does (see `ExifOrientation`).
///
/// Dimensions are checked against `ImageLimits` before any pixel memory is allocated. Neither C
/// library longjmps through Swift: TurboJPEG and libspng catch their own errors.
public enum ImageDecoder {
    static let jpegSignature: [UInt8] = [0xFF, 0xD8, 0xFF]
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes `data` at full size, detecting the format by its signature.
    public static func decode(_ data: Data, limits: ImageLimits = .default) throws -> RGBImage {
        try decode(data, limits: limits, budget: nil)
    }

    /// Decodes `data` within `budget`: a JPEG over `budget.maxPixels` comes out DCT-scaled (no
    /// longer pixel-identical to Pillow), and a decode that would need more than
    /// `budget.maxBytes` is refused as `tooLarge` before it allocates. See `DecodeBudget`.
    public static func decode(_ data: Data, limits: ImageLimits = .default, budget: DecodeBudget?) throws -> RGBImage {
        if data.isEmpty { throw ImageDecodeError.empty }
        return try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> RGBImage in
            switch format(of: bytes) {
            case .jpeg?: return try JPEGDecoder.decode(bytes, limits: limits, budget: budget)
            case .png?: return try PNGDecoder.decode(bytes, limits: limits, budget: budget)
            case nil: throw ImageDecodeError.notJPEGOrPNG(firstBytes: Array(bytes.prefix(8)))
            }
        }
    }

    /// The format `bytes` starts with, or nil.
    static func format(of bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.starts(with: jpegSignature) { return .jpeg }
        if bytes.starts(with: pngSignature) { return .png }
        return nil
    }
}

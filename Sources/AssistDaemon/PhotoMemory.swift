import SystemSupport
import Vision

/// The per-photo memory budget (`photo_memory`) as the decoder takes it.
///
/// A photo is decoded at full size, with exact Pillow parity, when its full-size pixels and
/// every later stage's copies fit in the budget (`bytesPerPixel` each). A larger JPEG is decoded
/// with DCT scaling at the smallest of 1/2, 1/4, 1/8 that keeps `minimumShortSide`: the text
/// reader works on at most 2000 pixels on the long side (1500 on the short side of a 4:3
/// photo), the quality check and the caption (224 px) on less. A photo whose decode cannot fit
/// even so (a progressive JPEG keeps every full-size DCT coefficient) is refused as too large.
enum PhotoMemory {
    /// What one pixel of a photo decoded at full size costs across the stages (the RGB output,
    /// the `PixelImage` copy and its grey plane, the quality maps; the text reader works on a
    /// reduced copy). Measured on the built daemon without a model, peak RSS over idle RSS:
    /// 62 MiB for a 12 Mpx JPEG (5.4 bytes a pixel), 102 MiB for 24 Mpx (4.5); rounded up.
    static let bytesPerPixel = 8
    /// The short side a scaled decode keeps (see the type's description).
    static let minimumShortSide = 1500

    private static let current = Locked(budget(photoMemory: BoundsConfig().photoMemory))

    /// The budget every photo is decoded with now.
    static var budget: DecodeBudget { current.withLock { $0 } }

    /// Applies `photo_memory` (at start and on SIGHUP).
    static func apply(photoMemory: Int) {
        current.withLock { $0 = budget(photoMemory: photoMemory) }
    }

    static func budget(photoMemory: Int) -> DecodeBudget {
        DecodeBudget(maxPixels: photoMemory / bytesPerPixel, minimumShortSide: minimumShortSide, maxBytes: photoMemory)
    }
}

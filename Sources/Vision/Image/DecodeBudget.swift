/// How much one photo may cost to decode, and the smallest picture the caller's stages can use.
///
/// Without a budget (`ImageDecoder.decode(_:limits:)`), every photo is decoded at full size,
/// pixel-identical to Pillow. With one, a JPEG whose frame has more than `maxPixels` pixels is
/// decoded with libjpeg-turbo's DCT scaling (1/2, 1/4 or 1/8, from `tjGetScalingFactors`) at the
/// smallest of those scales whose shorter side is still at least `minimumShortSide`; such a
/// photo's pixels are then libjpeg-turbo's scaled IDCT output, no longer Pillow's. Photos within
/// `maxPixels` take the unscaled path and keep exact parity.
///
/// Decoding memory is also bounded: the RGB output at the chosen scale plus, for a progressive
/// JPEG, libjpeg's whole-image coefficient buffer (two bytes per coefficient of every component at
/// full size, which DCT scaling does not shrink) must fit in `maxBytes`, or the decode is refused
/// with `ImageDecodeError.tooLarge` before anything is allocated. PNG has no scaled decode and is
/// always decoded at full size (exact parity); its bound is the raw rows libspng fills (up to 8
/// bytes a pixel for 16-bit RGBA) plus the RGB output, which must fit in `maxBytes`, checked from
/// IHDR; `ImageLimits` bounds its dimensions as before.
public struct DecodeBudget: Sendable, Equatable {
    /// Largest `width * height` decoded at full size.
    public var maxPixels: Int
    /// The shorter side a scaled decode must keep (the largest size any later stage needs, e.g.
    /// 224 for the caption model's input, more for OCR).
    public var minimumShortSide: Int
    /// Largest estimated decoder working memory, in bytes (see the type's description).
    public var maxBytes: Int

    public init(maxPixels: Int, minimumShortSide: Int, maxBytes: Int = 256 << 20) {
        self.maxPixels = maxPixels
        self.minimumShortSide = minimumShortSide
        self.maxBytes = maxBytes
    }

    /// The DCT scales tried above the budget, largest first, as `numerator/denominator`.
    static let scales: [(num: Int, denom: Int)] = [(1, 2), (1, 4), (1, 8)]

    /// TurboJPEG's `TJSCALED`: a dimension scaled by `num/denom`, rounded up.
    static func scaled(_ dimension: Int, _ scale: (num: Int, denom: Int)) -> Int {
        (dimension * scale.num + scale.denom - 1) / scale.denom
    }

    /// The output size for a `width` x `height` frame: the frame itself within `maxPixels`, else
    /// the smallest offered scale that keeps `minimumShortSide` (the frame itself if even 1/2
    /// would not). `offered` is what the linked libjpeg-turbo supports.
    func outputSize(width: Int, height: Int, offered: [(num: Int, denom: Int)]) -> (width: Int, height: Int) {
        guard width * height > maxPixels else { return (width, height) }
        var best = (width: width, height: height)
        for scale in Self.scales where offered.contains(where: { $0 == scale }) {
            let w = Self.scaled(width, scale), h = Self.scaled(height, scale)
            guard min(w, h) >= minimumShortSide else { break }
            best = (w, h)
        }
        return best
    }
}

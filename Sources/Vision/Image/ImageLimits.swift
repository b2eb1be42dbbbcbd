/// Bounds checked against an image's header before any pixel memory is allocated.
///
/// The defaults admit every phone or camera photo in common use (a 50 MP sensor is about
/// 8160x6120) while keeping the worst-case decode on a small device to roughly 150 MB of
/// RGB output plus libjpeg-turbo's coefficient buffers for a progressive file. Pillow 9.4 only
/// refuses images above ~179 Mpx (twice `Image.MAX_IMAGE_PIXELS`), which is far too much for us.
public struct ImageLimits: Sendable, Equatable {
    /// Largest accepted `width * height`.
    public var maxPixels: Int
    /// Largest accepted width, and largest accepted height.
    public var maxSide: Int
    /// Largest decompressed size of one PNG text/ICC chunk (`spng_set_chunk_limits` chunk size).
    /// Pillow 9.4 refuses text chunks that inflate past 1 MB (`MAX_TEXT_CHUNK`).
    public var maxPNGChunkBytes: Int
    /// Largest total of PNG ancillary chunk data kept in memory (`spng_set_chunk_limits` cache size).
    public var maxPNGChunkCacheBytes: Int

    public init(maxPixels: Int = 50_000_000, maxSide: Int = 20_000,
                maxPNGChunkBytes: Int = 8 << 20, maxPNGChunkCacheBytes: Int = 64 << 20) {
        self.maxPixels = maxPixels
        self.maxSide = maxSide
        self.maxPNGChunkBytes = maxPNGChunkBytes
        self.maxPNGChunkCacheBytes = maxPNGChunkCacheBytes
    }

    /// 50 megapixels, 20000 pixels a side, 8 MB per PNG chunk, 64 MB of PNG chunk cache.
    public static let `default` = ImageLimits()

    /// Throws `ImageDecodeError.tooLarge` when a header's dimensions exceed these limits.
    func check(width: Int, height: Int, format: ImageFormat) throws {
        if width > maxSide || height > maxSide {
            throw ImageDecodeError.tooLarge(format: format, width: width, height: height,
                                            limit: "at most \(maxSide) pixels a side")
        }
        if width * height > maxPixels {
            throw ImageDecodeError.tooLarge(format: format, width: width, height: height,
                                            limit: "at most \(maxPixels) pixels in total")
        }
    }
}

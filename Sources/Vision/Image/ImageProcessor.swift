/// `ViTImageProcessor(...)(image)["pixel_values"][0]` of transformers 4.40.2, for an image that
/// `load_image` produced.
///
/// The reference path (image_processing_vit.py, image_transforms.py): `to_numpy_array` (uint8
/// HWC); `resize` converts back to PIL and calls `Image.resize((w, h), resample)` on the uint8
/// image (see `PILResampler`); `rescale` multiplies the uint8 array by the Python float
/// `rescale_factor` (float64) and casts to float32; `normalize` computes `(x - mean) / std` in
/// float32 with mean and std cast to float32; the result is transposed to CHW. Every step here
/// uses the same precision in the same order, so values are bit-identical.
public struct ImageProcessor: Sendable {
    public let config: ImageProcessorConfig

    public init(config: ImageProcessorConfig) {
        self.config = config
    }

    /// Output height and width for an image of the given size.
    public func outputSize(width: Int, height: Int) -> (height: Int, width: Int) {
        config.doResize ? (config.height, config.width) : (height, width)
    }

    /// CHW float32 pixel values. // (3, H, W)
    public func pixelValues(_ image: RGBImage) -> [Float] {
        let resized = config.doResize
            ? PILResampler.resize(image, width: config.width, height: config.height, filter: config.resample)
            : image
        let table = valueTable()  // (3, 256)
        let plane = resized.width * resized.height
        return [Float](unsafeUninitializedCapacity: 3 * plane) { dst, count in
            resized.pixels.withUnsafeBufferPointer { src in
                table.withUnsafeBufferPointer { t in
                    for i in 0..<plane {
                        dst[i] = t[Int(src[3 * i])]
                        dst[plane + i] = t[256 + Int(src[3 * i + 1])]
                        dst[2 * plane + i] = t[512 + Int(src[3 * i + 2])]
                    }
                }
            }
            count = 3 * plane
        }
    }

    /// The float each uint8 value of each channel becomes; rescale and normalize act per value,
    /// so a 768-entry table reproduces them exactly. // (3, 256)
    func valueTable() -> [Float] {
        var table = [Float](repeating: 0, count: 768)
        for c in 0..<3 {
            let mean = Float(config.imageMean[c]), std = Float(config.imageStd[c])
            for v in 0..<256 {
                var x = config.doRescale ? Float(Double(v) * config.rescaleFactor) : Float(v)
                if config.doNormalize { x = (x - mean) / std }
                table[c * 256 + v] = x
            }
        }
        return table
    }
}

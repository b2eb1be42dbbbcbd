import Foundation

/// The settings of transformers 4.40.2's `ViTImageProcessor`, read from a checkpoint's
/// `preprocessor_config.json`; absent keys take `ViTImageProcessor.__init__`'s defaults.
public struct ImageProcessorConfig: Sendable, Equatable, Decodable {
    /// `do_resize` (default true).
    public var doResize: Bool
    /// `size` as `{"height": h, "width": w}`, or an int n meaning n x n (`get_size_dict`);
    /// default 224 x 224.
    public var height: Int
    public var width: Int
    /// `resample`, a `PIL.Image.Resampling` id (default 2, BILINEAR).
    public var resample: ResampleFilter
    /// `do_rescale` (default true) and `rescale_factor` (default 1/255).
    public var doRescale: Bool
    public var rescaleFactor: Double
    /// `do_normalize` (default true), `image_mean` and `image_std` (default
    /// `IMAGENET_STANDARD_MEAN` / `_STD`, 0.5 each); a single number applies to all channels.
    public var doNormalize: Bool
    public var imageMean: [Double]
    public var imageStd: [Double]
    /// `do_convert_rgb` if present. `ViTImageProcessor` 4.40.2 ignores it (it keeps unknown
    /// keys as attributes); images reach it as RGB already.
    public var doConvertRGB: Bool?

    public init(doResize: Bool = true, height: Int = 224, width: Int = 224,
                resample: ResampleFilter = .bilinear, doRescale: Bool = true,
                rescaleFactor: Double = 1.0 / 255.0, doNormalize: Bool = true,
                imageMean: [Double] = [0.5, 0.5, 0.5], imageStd: [Double] = [0.5, 0.5, 0.5],
                doConvertRGB: Bool? = nil) {
        self.doResize = doResize
        self.height = height
        self.width = width
        self.resample = resample
        self.doRescale = doRescale
        self.rescaleFactor = rescaleFactor
        self.doNormalize = doNormalize
        self.imageMean = imageMean
        self.imageStd = imageStd
        self.doConvertRGB = doConvertRGB
    }

    /// Reads `preprocessor_config.json` (or any file of that shape).
    ///
    /// - Throws: a `ModelJSONError` naming the file and the key.
    public init(contentsOf url: URL) throws {
        self = try ModelJSON.decode(ImageProcessorConfig.self, from: url)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `path` only labels errors.
    public init(json data: Data, path: String = "preprocessor_config.json") throws {
        self = try ModelJSON.decode(ImageProcessorConfig.self, from: data, file: path)
    }

    private enum CodingKeys: String, CodingKey {
        case doResize = "do_resize", size, resample, doRescale = "do_rescale", rescaleFactor = "rescale_factor"
        case doNormalize = "do_normalize", imageMean = "image_mean", imageStd = "image_std"
        case doConvertRGB = "do_convert_rgb"
    }

    /// Absent and null keys keep `ViTImageProcessor.__init__`'s defaults; unknown keys are ignored.
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func fail(_ key: CodingKeys, _ expected: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: c, debugDescription: expected)
        }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .doResize) { doResize = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .doRescale) { doRescale = v }
        if let v = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) { doNormalize = v }
        doConvertRGB = try c.decodeIfPresent(Bool.self, forKey: .doConvertRGB)
        if let size = try c.decodeIfPresent(ModelJSONValue.self, forKey: .size), size != .null {
            guard let (h, w) = Self.size(size) else {
                throw fail(.size, "{\"height\": h, \"width\": w} or a positive int")
            }
            (height, width) = (h, w)
        }
        if let raw = try c.decodeIfPresent(ModelJSONValue.self, forKey: .resample), raw != .null {
            guard case .int(let id) = raw, let filter = ResampleFilter(rawValue: id) else {
                throw fail(.resample, "a PIL filter id 0...5")
            }
            resample = filter
        }
        if let v = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) { rescaleFactor = v }
        for key in [CodingKeys.imageMean, .imageStd] {
            guard let raw = try c.decodeIfPresent(ModelJSONValue.self, forKey: key), raw != .null else { continue }
            guard let values = Self.channels(raw) else { throw fail(key, "3 numbers (one per channel) or one number") }
            if key == .imageMean { imageMean = values } else { imageStd = values }
        }
        if doNormalize && imageStd.contains(0) { throw fail(.imageStd, "non-zero values") }
    }

    /// `get_size_dict(size)` for `ViTImageProcessor`: an int n is n x n, a list is (h, w); a
    /// dict must carry height and width (`ViTImageProcessor.resize` refuses "shortest_edge").
    private static func size(_ raw: ModelJSONValue) -> (Int, Int)? {
        switch raw {
        case .int(let n) where n > 0:
            return (n, n)
        case .object(let dict):
            if case .int(let h)? = dict["height"], case .int(let w)? = dict["width"], h > 0, w > 0 { return (h, w) }
        case .array(let list) where list.count == 2:
            if case .int(let h) = list[0], case .int(let w) = list[1], h > 0, w > 0 { return (h, w) }
        default:
            break
        }
        return nil
    }

    /// A number applies to all three channels; a list must have three numbers (`normalize`).
    private static func channels(_ raw: ModelJSONValue) -> [Double]? {
        if let n = raw.number { return [n, n, n] }
        guard case .array(let list) = raw, list.count == 3 else { return nil }
        let values = list.compactMap(\.number)
        return values.count == 3 ? values : nil
    }
}

import Foundation

/// Why a `preprocessor_config.json` could not be used. Each description names the file or key.
public enum ImageProcessorConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notAnObject(path: String)
    case invalidValue(key: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read image processor config \(path): \(reason)"
        case .notAnObject(let path):
            return "image processor config \(path) is not a JSON object"
        case .invalidValue(let key, let expected, let found):
            return "image processor config key \"\(key)\" should be \(expected), found \(found)"
        }
    }
}

/// The settings of transformers 4.40.2's `ViTImageProcessor`, read from a checkpoint's
/// `preprocessor_config.json`; absent keys take `ViTImageProcessor.__init__`'s defaults.
public struct ImageProcessorConfig: Sendable, Equatable {
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
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ImageProcessorConfigError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(json: data, path: url.path)
    }

    /// Parses the JSON text of a `preprocessor_config.json`; `path` only labels errors.
    public init(json data: Data, path: String = "preprocessor_config.json") throws {
        let dict: [String: JSONValue]
        do { dict = try JSONDecoder().decode([String: JSONValue].self, from: data) } catch {
            if (try? JSONDecoder().decode(JSONValue.self, from: data)) != nil {
                throw ImageProcessorConfigError.notAnObject(path: path)
            }
            throw ImageProcessorConfigError.unreadable(path: path, reason: "invalid JSON (\(error))")
        }
        self.init()
        if let v = try Self.bool(dict, "do_resize") { doResize = v }
        if let v = try Self.bool(dict, "do_rescale") { doRescale = v }
        if let v = try Self.bool(dict, "do_normalize") { doNormalize = v }
        doConvertRGB = try Self.bool(dict, "do_convert_rgb")
        if let size = dict["size"], size != .null {
            (height, width) = try Self.size(size)
        }
        if let raw = dict["resample"], raw != .null {
            guard let id = raw.integer, let filter = ResampleFilter(rawValue: id) else {
                throw ImageProcessorConfigError.invalidValue(
                    key: "resample", expected: "a PIL filter id 0...5", found: "\(raw)")
            }
            resample = filter
        }
        if let raw = dict["rescale_factor"], raw != .null {
            guard case .number(let n) = raw else {
                throw ImageProcessorConfigError.invalidValue(key: "rescale_factor", expected: "a number", found: "\(raw)")
            }
            rescaleFactor = n
        }
        if let v = try Self.channels(dict, "image_mean") { imageMean = v }
        if let v = try Self.channels(dict, "image_std") { imageStd = v }
        if doNormalize, let zero = imageStd.firstIndex(of: 0) {
            throw ImageProcessorConfigError.invalidValue(
                key: "image_std", expected: "non-zero values", found: "0 for channel \(zero)")
        }
    }

    private static func bool(_ dict: [String: JSONValue], _ key: String) throws -> Bool? {
        guard let raw = dict[key], raw != .null else { return nil }
        guard case .bool(let b) = raw else {
            throw ImageProcessorConfigError.invalidValue(key: key, expected: "true or false", found: "\(raw)")
        }
        return b
    }

    /// `get_size_dict(size)` for `ViTImageProcessor`: an int n is n x n, a list is (h, w); a
    /// dict must carry height and width (`ViTImageProcessor.resize` refuses "shortest_edge").
    private static func size(_ raw: JSONValue) throws -> (Int, Int) {
        switch raw {
        case .number where (raw.integer ?? 0) > 0:
            return (raw.integer!, raw.integer!)
        case .object(let dict):
            if let h = dict["height"]?.integer, let w = dict["width"]?.integer, h > 0, w > 0 { return (h, w) }
        case .array(let list) where list.count == 2:
            if let h = list[0].integer, let w = list[1].integer, h > 0, w > 0 { return (h, w) }
        default:
            break
        }
        throw ImageProcessorConfigError.invalidValue(
            key: "size", expected: "{\"height\": h, \"width\": w} or a positive int", found: "\(raw)")
    }

    /// A number applies to all three channels; a list must have three entries (`normalize`).
    private static func channels(_ dict: [String: JSONValue], _ key: String) throws -> [Double]? {
        guard let raw = dict[key], raw != .null else { return nil }
        switch raw {
        case .number(let n):
            return [n, n, n]
        case .array(let list) where list.count == 3:
            let values = list.compactMap { v -> Double? in
                if case .number(let n) = v { return n } else { return nil }
            }
            if values.count == 3 { return values }
        default:
            break
        }
        throw ImageProcessorConfigError.invalidValue(key: key, expected: "3 numbers (one per channel)", found: "\(raw)")
    }
}

/// Just enough JSON to tell booleans from numbers and report what a key held. File-private so
/// it cannot collide with other JSON helpers in the module.
private enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value as an integer, if it is a whole number.
    var integer: Int? {
        guard case .number(let n) = self, n == n.rounded(), abs(n) < 1e9 else { return nil }
        return Int(n)
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o): return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

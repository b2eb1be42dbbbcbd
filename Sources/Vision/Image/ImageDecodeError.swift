/// The container an image was recognised as.
public enum ImageFormat: String, Sendable, Equatable {
    case jpeg = "JPEG"
    case png = "PNG"
}

/// Why bytes could not be turned into an `RGBImage`. Each description names the problem.
public enum ImageDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero bytes of input.
    case empty
    /// The signature is neither JPEG (`FF D8 FF`) nor PNG (`89 50 4E 47 0D 0A 1A 0A`).
    case notJPEGOrPNG(firstBytes: [UInt8])
    /// The header claims more pixels than `ImageLimits` allows; nothing was allocated.
    case tooLarge(format: ImageFormat, width: Int, height: Int, limit: String)
    /// The data ends before the image does.
    case truncated(format: ImageFormat, detail: String)
    /// The data is malformed; `detail` is the decoder's own message.
    case corrupt(format: ImageFormat, detail: String)
    /// A valid file of a kind Pillow 9.4 cannot open either (e.g. 12-bit or 2-component JPEG).
    case unsupported(format: ImageFormat, detail: String)

    public var description: String {
        switch self {
        case .empty:
            return "image data is empty (0 bytes)"
        case .notJPEGOrPNG(let bytes):
            let hex = bytes.map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
            return "not a JPEG or PNG image (first bytes: \(hex.isEmpty ? "none" : hex))"
        case .tooLarge(let format, let width, let height, let limit):
            return "\(format.rawValue) image is \(width)x\(height), over the limit of \(limit)"
        case .truncated(let format, let detail):
            return "\(format.rawValue) image is truncated: \(detail)"
        case .corrupt(let format, let detail):
            return "\(format.rawValue) image is corrupt: \(detail)"
        case .unsupported(let format, let detail):
            return "\(format.rawValue) image is not supported: \(detail)"
        }
    }
}

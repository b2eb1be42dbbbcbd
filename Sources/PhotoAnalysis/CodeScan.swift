import Foundation

/// What `CodeReader.scan` found in one photo: the decoded codes, the bar-code-like regions it
/// could not decode, and what to say about them.
public struct CodeScan: Codable, Sendable, Equatable {
    public var symbols: [CodeSymbol]
    /// Regions that look like a linear bar code but gave no decode: the code is cut off by the
    /// frame, blurred or too small.
    public var unreadable: [CodeRegion]
    /// Size of the photo the coordinates refer to.
    public var width: Int
    public var height: Int

    public init(symbols: [CodeSymbol], unreadable: [CodeRegion], width: Int, height: Int) {
        self.symbols = symbols
        self.unreadable = unreadable
        self.width = width
        self.height = height
    }

    /// The first product code (EAN or UPC) read, if any.
    public var productCode: CodeSymbol? { symbols.first { $0.symbology.isProductCode } }

    /// Aiming advice for the largest unreadable region, when nothing was decoded; nil when a
    /// code was read or none was seen.
    public var advice: String? {
        guard symbols.isEmpty, let region = unreadable.max(by: { $0.area < $1.area }) else { return nil }
        return CodePhrases.advice(for: region, width: width, height: height)
    }
}

/// A region that looks like a linear bar code: many parallel strong edges.
public struct CodeRegion: Codable, Sendable, Equatable {
    /// Where it is, in photo pixels.
    public var bounds: ImageRect
    /// Frame edges it touches: the code probably goes on past them.
    public var cutEdges: [FrameEdge]
    /// Which ninth of the frame its centre lies in.
    public var position: FramePosition
    /// Direction of the bars' gradients, degrees (0: vertical bars).
    public var angle: Double
    /// Fraction of the frame's width and height it spans.
    public var widthFraction: Double
    public var heightFraction: Double

    public init(bounds: ImageRect, cutEdges: [FrameEdge], position: FramePosition, angle: Double,
                widthFraction: Double, heightFraction: Double) {
        self.bounds = bounds
        self.cutEdges = cutEdges
        self.position = position
        self.angle = angle
        self.widthFraction = widthFraction
        self.heightFraction = heightFraction
    }

    var area: Int { bounds.width * bounds.height }
}

/// The sentences about codes, in one place so that they can move to the message catalogue.
public enum CodePhrases {
    /// A code whose region is smaller than this fraction of the frame (on its longer side) is
    /// called too small rather than blurred.
    static let smallFraction = 0.15

    /// "A barcode is at the left edge; move the camera left." and the like.
    public static func advice(for region: CodeRegion, width: Int, height: Int) -> String {
        let edges = region.cutEdges
        if edges.count == 1 {
            let edge = edges[0]
            return "A barcode is at the \(edge.rawValue) edge; move the camera \(edge.cameraMove)."
        }
        if edges.count >= 2 {
            let vertical = edges.first { $0 == .top || $0 == .bottom }
            let horizontal = edges.first { $0 == .left || $0 == .right }
            if let v = vertical, let h = horizontal, edges.count == 2 {
                return "A barcode is in the \(v == .top ? "upper" : "lower") \(h.rawValue) corner; move the camera \(v.cameraMove) and \(h.cameraMove)."
            }
            return "A barcode fills the photo and goes past its edges; move the camera farther away."
        }
        let place = region.position == .middle ? "in the middle" : "at the \(region.position.words)"
        if max(region.widthFraction, region.heightFraction) < smallFraction {
            return "A barcode is \(place), but it is too small to read; move the camera closer to it."
        }
        return "A barcode is \(place), but it is too blurred to read; hold the camera still and try again."
    }

    /// What is said for a decoded code that is not a product: QR text or a URL is read out.
    public static func reading(_ symbol: CodeSymbol) -> String {
        switch symbol.symbology {
        case .qr:
            let text = symbol.data.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { return "A QR code with nothing in it." }
            if let url = spokenURL(text) { return "A QR code with a link: \(url)." }
            return "A QR code. It says: \(text)"
        case .code128:
            return "A Code 128 bar code: \(symbol.data)."
        case .ean13, .ean8, .upcA, .upcE:
            return "A bar code with the number \(symbol.data)."
        }
    }

    /// A web address read out without its scheme, e.g. "example.org slash soup".
    static func spokenURL(_ text: String) -> String? {
        let lower = text.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }), !text.contains(" ") else {
            return nil
        }
        return String(text.dropFirst(scheme.count))
    }
}

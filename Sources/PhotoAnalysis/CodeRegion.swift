import Foundation

/// A region that looks like a code zbar could not read: a linear bar code's parallel bars, or
/// one or two of a QR code's finder patterns.
public struct CodeRegion: Codable, Sendable, Equatable {
    /// A linear bar code's bars, or a QR code's finder patterns.
    public enum Kind: String, Codable, Sendable {
        case linear, qr
    }

    public var kind: Kind
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
                widthFraction: Double, heightFraction: Double, kind: Kind = .linear) {
        self.kind = kind
        self.bounds = bounds
        self.cutEdges = cutEdges
        self.position = position
        self.angle = angle
        self.widthFraction = widthFraction
        self.heightFraction = heightFraction
    }

    var area: Int { bounds.width * bounds.height }
}

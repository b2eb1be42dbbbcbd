/// The nine parts of a frame a person can be told about: thirds across and thirds down.
public enum FramePosition: String, Codable, Sendable, CaseIterable {
    case upperLeft, top, upperRight, left, middle, right, lowerLeft, bottom, lowerRight

    /// The part holding the point (`x`, `y`) of a `width` x `height` frame.
    public init(x: Double, y: Double, width: Double, height: Double) {
        let column = min(2, max(0, Int(3 * x / max(width, 1))))
        let row = min(2, max(0, Int(3 * y / max(height, 1))))
        self = FramePosition.allCases[row * 3 + column]
    }

    /// Words for the part, as they follow "at the" or stand alone: "upper left", "middle".
    public var words: String {
        switch self {
        case .upperLeft: return "upper left"
        case .top: return "top"
        case .upperRight: return "upper right"
        case .left: return "left"
        case .middle: return "middle"
        case .right: return "right"
        case .lowerLeft: return "lower left"
        case .bottom: return "bottom"
        case .lowerRight: return "lower right"
        }
    }
}

/// A side of the frame.
public enum FrameEdge: String, Codable, Sendable, CaseIterable {
    case left, right, top, bottom

    /// The way to move the camera so that what lies past this edge comes into view.
    public var cameraMove: String {
        switch self {
        case .left: return "left"
        case .right: return "right"
        case .top: return "up"
        case .bottom: return "down"
        }
    }
}

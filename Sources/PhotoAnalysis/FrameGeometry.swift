/// A point in a photo, in pixels of the photo as it was given (x to the right, y down).
public struct ImagePoint: Codable, Sendable, Equatable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned rectangle in a photo, in pixels.
public struct ImageRect: Codable, Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The smallest rectangle holding every point; nil for no points.
    public init?(enclosing points: [ImagePoint]) {
        guard let first = points.first else { return nil }
        var x0 = first.x, x1 = first.x, y0 = first.y, y1 = first.y
        for p in points.dropFirst() {
            x0 = min(x0, p.x); x1 = max(x1, p.x)
            y0 = min(y0, p.y); y1 = max(y1, p.y)
        }
        self.init(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// Area shared with `other`, in pixels.
    public func overlap(_ other: ImageRect) -> Int {
        let w = min(maxX, other.maxX) - max(x, other.x)
        let h = min(maxY, other.maxY) - max(y, other.y)
        return w > 0 && h > 0 ? w * h : 0
    }
}

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

/// What is wrong with a code that could not be read, and so which way to move the camera:
/// the value behind the spoken advice (the daemon's message catalogue words it).
public enum CodeAdvice: Sendable, Equatable {
    /// The code goes on past one frame edge: move the camera that way.
    case atEdge(FrameEdge)
    /// It goes past a top or bottom edge and a side: move the camera both ways.
    case inCorner(vertical: FrameEdge, horizontal: FrameEdge)
    /// It goes past more edges than a corner: move the camera farther away.
    case fillsFrame
    /// Inside the frame but smaller than `CodeAdvice.smallFraction` of it: move closer.
    case tooSmall(FramePosition)
    /// Inside the frame and big enough, so blurred: hold the camera still.
    case tooBlurred(FramePosition)

    /// A code whose region is smaller than this fraction of the frame (on its longer side) is
    /// called too small rather than blurred.
    public static let smallFraction = 0.15

    /// The advice for `region`.
    public init(_ region: CodeRegion) {
        let edges = region.cutEdges
        if edges.count == 1 {
            self = .atEdge(edges[0])
        } else if edges.count >= 2 {
            let vertical = edges.first { $0 == .top || $0 == .bottom }
            let horizontal = edges.first { $0 == .left || $0 == .right }
            if let v = vertical, let h = horizontal, edges.count == 2 {
                self = .inCorner(vertical: v, horizontal: h)
            } else {
                self = .fillsFrame
            }
        } else if max(region.widthFraction, region.heightFraction) < CodeAdvice.smallFraction {
            self = .tooSmall(region.position)
        } else {
            self = .tooBlurred(region.position)
        }
    }
}

extension CodeScan {
    /// The region the advice is about: the largest unreadable one, when nothing was decoded.
    public var adviceRegion: CodeRegion? {
        guard symbols.isEmpty else { return nil }
        return unreadable.max(by: { $0.area < $1.area })
    }
}

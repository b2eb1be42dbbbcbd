import Foundation

/// The sentences about codes, in one place so that they can move to the message catalogue.
public enum CodePhrases {
    /// "A barcode is at the left edge; move the camera left." and the like.
    public static func advice(for region: CodeRegion, width: Int, height: Int) -> String {
        let code = region.kind == .qr ? "A QR code" : "A barcode"
        switch CodeAdvice(region) {
        case .atEdge(let edge):
            return "\(code) is at the \(edge.rawValue) edge; move the camera \(edge.cameraMove)."
        case .inCorner(let v, let h):
            return "\(code) is in the \(v == .top ? "upper" : "lower") \(h.rawValue) corner; move the camera \(v.cameraMove) and \(h.cameraMove)."
        case .fillsFrame:
            return "\(code) fills the photo and goes past its edges; move the camera farther away."
        case .tooSmall(let position):
            return "\(code) is \(place(position)), but it is too small to read; move the camera closer to it."
        case .tooBlurred(let position):
            return "\(code) is \(place(position)), but it is too blurred to read; hold the camera still and try again."
        }
    }

    static func place(_ position: FramePosition) -> String {
        position == .middle ? "in the middle" : "at the \(position.words)"
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
    public static func spokenURL(_ text: String) -> String? {
        let lower = text.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lower.hasPrefix($0) }), !text.contains(" ") else {
            return nil
        }
        return String(text.dropFirst(scheme.count))
    }
}

/// What the daemon says about a photo: the whole description, or one everyday answer
/// (docs/daemon.md, "Modes").
public enum AssistMode: String, Codable, Sendable, CaseIterable {
    /// Quality warning, caption and text, as before modes existed, plus any code found.
    case describe
    /// Only the text, as a document: a layout summary, then the text in reading order.
    case text
    /// Bar codes and QR codes: the product looked up, a QR code read out, aiming advice.
    case product
    /// The one to three main colours of the middle of the photo.
    case colour
    /// How bright it is and where the brightest part is.
    case light

    /// The mode after this one, in the order a key cycles through them.
    public var next: AssistMode {
        let all = AssistMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// Accepts the wire name in any case, and `color` for `colour`.
    public init?(name: String) {
        let lowered = name.lowercased()
        if let m = AssistMode(rawValue: lowered) { self = m } else if lowered == "color" { self = .colour } else { return nil }
    }

    /// The names `init(name:)` accepts, for errors that say what is allowed.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Fields of a `label` request: a personal name for the product code in the last photo, or
/// `remove` to take that code's label away.
public struct LabelChange: Codable, Sendable, Equatable {
    public var text: String?
    public var remove: Bool

    public init(text: String? = nil, remove: Bool = false) {
        self.text = text; self.remove = remove
    }

    enum CodingKeys: String, CodingKey { case text, remove }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        remove = try c.decodeIfPresent(Bool.self, forKey: .remove) ?? false
    }
}

/// The answer to `label`.
public struct LabelInfo: Codable, Sendable, Equatable {
    /// The product code's digits, as read from the last photo.
    public var code: String
    /// The label it has now; absent after a removal.
    public var label: String?
    /// True when the label was removed (false with `remove` means there was none).
    public var removed: Bool
    /// What was said.
    public var spoken: String

    public init(code: String, label: String?, removed: Bool, spoken: String) {
        self.code = code; self.label = label; self.removed = removed; self.spoken = spoken
    }
}

/// One code read from a photo, in a description.
public struct CodeInfo: Codable, Sendable, Equatable {
    /// `ean13`, `ean8`, `upcA`, `upcE`, `code128` or `qr`.
    public var symbology: String
    public var data: String
    /// For a product code: `label`, `product` or `unknown` (absent for other codes, or when the
    /// database could not be read).
    public var match: String?
    public init(symbology: String, data: String, match: String? = nil) {
        self.symbology = symbology; self.data = data; self.match = match
    }
}

/// What the mode of a description measured, beside the spoken message. Only the parts the mode
/// ran are present.
public struct ModeResult: Codable, Sendable, Equatable {
    public var codes: [CodeInfo]?
    /// Aiming advice for a code that could not be read (cut off, blurred, too small).
    public var codeAdvice: String?
    /// Colour names, largest share first.
    public var colours: [String]?
    public var colourTooDark: Bool?
    /// Mean L* / 100, 0...1.
    public var brightness: Double?
    /// `dark`, `dim`, `moderate`, `bright` or `veryBright`.
    public var lightLevel: String?
    /// Which ninth of the frame is brightest (`upperLeft` ... `lowerRight`); absent when even.
    public var brightest: String?
    /// The light tone's pitch for this photo, Hz.
    public var tonePitch: Double?
    public var wordCount: Int?
    public var columnCount: Int?
    /// Frame edges where the page is cut off: `left`, `right`, `top`, `bottom`.
    public var cutEdges: [String]?
    /// The layout summary said before the text.
    public var layoutSummary: String?
    /// The text in reading order (columns in order), as spoken after the summary.
    public var documentText: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case codes, colours, brightness, brightest
        case codeAdvice = "code_advice", colourTooDark = "colour_too_dark", lightLevel = "light_level"
        case tonePitch = "tone_pitch", wordCount = "word_count", columnCount = "column_count", cutEdges = "cut_edges"
        case layoutSummary = "layout_summary", documentText = "document_text"
    }
}

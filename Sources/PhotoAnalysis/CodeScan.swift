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
        guard let region = adviceRegion else { return nil }
        return CodePhrases.advice(for: region, width: width, height: height)
    }
}

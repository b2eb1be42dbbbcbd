/// One bar code or QR code read from a photo.
public struct CodeSymbol: Codable, Sendable, Equatable {
    /// The symbologies assist reads: the product codes on packets, Code 128 on parcels and
    /// shelf labels, and QR codes.
    public enum Symbology: String, Codable, Sendable, CaseIterable {
        case ean13, ean8, upcA, upcE, code128, qr

        /// The name a person hears.
        public var spokenName: String {
            switch self {
            case .ean13: return "EAN-13 bar code"
            case .ean8: return "EAN-8 bar code"
            case .upcA: return "UPC-A bar code"
            case .upcE: return "UPC-E bar code"
            case .code128: return "Code 128 bar code"
            case .qr: return "QR code"
            }
        }

        /// EAN and UPC codes identify a product and are looked up in the product database.
        public var isProductCode: Bool {
            switch self {
            case .ean13, .ean8, .upcA, .upcE: return true
            case .code128, .qr: return false
            }
        }
    }

    public var symbology: Symbology
    /// The decoded content: digits for EAN/UPC (with the check digit; UPC-E as its 8 digits),
    /// text for Code 128 and QR (UTF-8 as zbar decodes it).
    public var data: String
    /// Where zbar saw the code, in photo pixels: the corners of a QR code, or the ends of the
    /// scan lines that crossed a linear code.
    public var polygon: [ImagePoint]
    /// The rectangle around `polygon`.
    public var bounds: ImageRect
    /// zbar's count of agreeing scan lines (higher is surer); 1 for QR codes.
    public var quality: Int

    public init(symbology: Symbology, data: String, polygon: [ImagePoint], quality: Int) {
        self.symbology = symbology
        self.data = data
        self.polygon = polygon
        self.bounds = ImageRect(enclosing: polygon) ?? ImageRect(x: 0, y: 0, width: 0, height: 0)
        self.quality = quality
    }
}

import CZbar
import Foundation

/// Reads EAN-13/8, UPC-A/E, Code 128 and QR codes with libzbar, and finds bar-code-like
/// regions it could not decode so that the person can be told where to move the camera.
///
/// zbar scans the luma image along every row and column. A photo is read as it is (reduced to at
/// most `Options.maxSide`); when that finds nothing, a copy reduced 2x is read too, because zbar's
/// edge detector works at a fixed pixel scale and a blurred code's edges are twice as steep
/// there (measured in docs/analysis.md). Linear codes turned up to about 40 degrees are still
/// crossed by whole rows or columns, so no turned copies are needed.
///
/// Thread safety: the scanner is created per call, so one reader can be shared.
public struct CodeReader: Sendable {
    public struct Options: Sendable, Equatable {
        /// Photos longer than this are reduced by an integer factor before scanning.
        public var maxSide = 2000
        /// Whether to read a 2x reduced copy when the photo as it is gives nothing.
        public var tryReduced = true
        /// Whether to look for codes zbar could not decode (`CodeScan.unreadable`).
        public var findUnreadable = true

        public init() {}
    }

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Every code zbar decodes, and the bar-code-like regions left over.
    public func scan(_ image: PixelImage) -> CodeScan {
        let full = GrayImage(image)
        let side = max(full.width, full.height)
        let factor = side > options.maxSide ? (side + options.maxSide - 1) / options.maxSide : 1
        var symbols = decode(full.reduced(by: factor), scale: factor)
        if symbols.isEmpty, options.tryReduced, min(full.width, full.height) / factor >= 64 {
            symbols = decode(full.reduced(by: 2 * factor), scale: 2 * factor)
        }
        var unreadable: [CodeRegion] = []
        if options.findUnreadable {
            for region in BarcodeFinder().find(full) where !symbols.contains(where: { $0.bounds.overlap(region.bounds) > 0 }) {
                if let symbol = decodeStraightened(full, region) {
                    symbols.append(symbol)
                } else {
                    unreadable.append(region)
                }
            }
            if !symbols.contains(where: { $0.symbology == .qr }) {
                unreadable += QRFinder().find(full).filter { region in !unreadable.contains { $0.bounds.overlap(region.bounds) > 0 } }
            }
        }
        return CodeScan(symbols: symbols, unreadable: unreadable, width: image.width, height: image.height)
    }

    /// A bar-code-like region zbar missed, cut out with a margin and turned so that its bars
    /// stand upright, read again as it is and sharpened: zbar's scan lines cross a code turned
    /// 20-30 degrees at a slant and leave its bars before its end, and a mildly blurred code's
    /// edges come back with an unsharp mask. The symbol's polygon is the region's rectangle.
    func decodeStraightened(_ full: GrayImage, _ region: CodeRegion) -> CodeSymbol? {
        let r = region.bounds
        let mx = max(16, r.width / 4), my = max(16, r.height / 4)
        let x0 = max(0, r.x - mx), y0 = max(0, r.y - my)
        let x1 = min(full.width, r.maxX + mx), y1 = min(full.height, r.maxY + my)
        var crop = full.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        let side = max(crop.width, crop.height)
        if side > options.maxSide { crop = crop.reduced(by: (side + options.maxSide - 1) / options.maxSide) }
        let upright = abs(region.angle) < 3 ? crop : crop.rotated(clockwise: Float(-region.angle), fill: crop.median())
        let corners = [ImagePoint(x: r.x, y: r.y), ImagePoint(x: r.maxX - 1, y: r.y),
                       ImagePoint(x: r.maxX - 1, y: r.maxY - 1), ImagePoint(x: r.x, y: r.maxY - 1)]
        for attempt in [upright, upright.sharpened(), upright.sharpened(amount: 4)] {
            if var symbol = decode(attempt, scale: 1).first {
                symbol.polygon = corners
                symbol.bounds = r
                return symbol
            }
        }
        return nil
    }

    /// Runs zbar once; coordinates come back multiplied by `scale`.
    func decode(_ gray: GrayImage, scale: Int) -> [CodeSymbol] {
        guard let scanner = zbar_image_scanner_create() else { return [] }
        defer { zbar_image_scanner_destroy(scanner) }
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        let wanted: [(zbar_symbol_type_t, CodeSymbol.Symbology)] = [
            (ZBAR_EAN13, .ean13), (ZBAR_EAN8, .ean8), (ZBAR_UPCA, .upcA), (ZBAR_UPCE, .upcE),
            (ZBAR_CODE128, .code128), (ZBAR_QRCODE, .qr),
        ]
        for (type, _) in wanted { zbar_image_scanner_set_config(scanner, type, ZBAR_CFG_ENABLE, 1) }
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        // "Y800": 8-bit gray, one byte per pixel (zbar_fourcc is a macro Swift cannot import).
        let y800 = UInt(UInt8(ascii: "Y")) | UInt(UInt8(ascii: "8")) << 8
            | UInt(UInt8(ascii: "0")) << 16 | UInt(UInt8(ascii: "0")) << 24
        zbar_image_set_format(zimage, y800)
        zbar_image_set_size(zimage, UInt32(gray.width), UInt32(gray.height))
        return gray.pixels.withUnsafeBufferPointer { buffer -> [CodeSymbol] in
            // zbar only reads the buffer during zbar_scan_image; no cleanup handler is needed.
            zbar_image_set_data(zimage, buffer.baseAddress, UInt(buffer.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return [] }
            var out: [CodeSymbol] = []
            var symbol = zbar_image_first_symbol(zimage)
            while let s = symbol {
                defer { symbol = zbar_symbol_next(s) }
                guard let kind = wanted.first(where: { $0.0 == zbar_symbol_get_type(s) })?.1,
                      let bytes = zbar_symbol_get_data(s) else { continue }
                let length = Int(zbar_symbol_get_data_length(s))
                let data = bytes.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                let points = (0..<zbar_symbol_get_loc_size(s)).map { i in
                    ImagePoint(x: Int(zbar_symbol_get_loc_x(s, i)) * scale, y: Int(zbar_symbol_get_loc_y(s, i)) * scale)
                }
                out.append(CodeSymbol(symbology: kind, data: data, polygon: points,
                                      quality: Int(zbar_symbol_get_quality(s))))
            }
            return out
        }
    }
}

import CTurboJPEG

/// JPEG to upright RGB8 the way Pillow 9.4's `JpegImagePlugin` + `convert("RGB")` does it.
///
/// Pillow names the mode by component count (1 "L", 3 "RGB", 4 "CMYK") and lets libjpeg convert
/// (`out_color_space` JCS_GRAYSCALE / JCS_RGB / JCS_CMYK, default ISLOW DCT, fancy upsampling);
/// TurboJPEG's TJPF_GRAY / TJPF_RGB / TJPF_CMYK select the same conversions in the same library.
/// CMYK is read as Adobe-inverted ("CMYK;I") and turned into RGB by Pillow's `cmyk2rgb`.
enum JPEGDecoder {
    /// What the marker walk finds before the first scan.
    struct Header {
        var width = 0
        var height = 0
        var components = 0
        var precision = 0
        /// Payload of the first APP1 segment starting "Exif\0", as Pillow keeps it.
        var exif: UnsafeRawBufferPointer?
        /// Offset of the first byte after the first SOS segment header.
        var scanStart = 0
        /// Whether the frame is progressive (SOF2, SOF6, SOF10, SOF14), which makes libjpeg
        /// buffer every coefficient of the image.
        var progressive = false
        /// Horizontal and vertical sampling factor of each component, as the frame header gives them.
        var sampling: [(h: Int, v: Int)] = []

        /// Bytes of libjpeg's whole-image coefficient arrays for a progressive frame (0 for a
        /// sequential one, which holds one MCU row): per component, its size in 8x8 blocks,
        /// rounded up to whole sampling units, times 64 coefficients of 2 bytes.
        var coefficientBytes: Int {
            guard progressive, let hMax = sampling.map(\.h).max(), let vMax = sampling.map(\.v).max(),
                  hMax > 0, vMax > 0 else { return 0 }
            func blocks(_ size: Int, _ factor: Int, _ maxFactor: Int) -> Int {
                let n = (size * factor + 8 * maxFactor - 1) / (8 * maxFactor)
                return (n + factor - 1) / factor * factor
            }
            return sampling.reduce(0) { total, s in
                total + blocks(width, max(s.h, 1), hMax) * blocks(height, max(s.v, 1), vMax) * 128
            }
        }
    }

    /// Decodes at full size, or with `budget` DCT-scaled as `DecodeBudget` describes.
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits, budget: DecodeBudget? = nil) throws -> RGBImage {
        let header = try readHeader(bytes)
        guard header.precision == 8 else {
            throw ImageDecodeError.unsupported(format: .jpeg,
                                               detail: "\(header.precision)-bit samples (only 8-bit is supported)")
        }
        guard [1, 3, 4].contains(header.components) else {
            throw ImageDecodeError.unsupported(format: .jpeg,
                                               detail: "\(header.components) components (1, 3 or 4 are supported)")
        }
        guard header.width > 0, header.height > 0 else {
            throw ImageDecodeError.corrupt(format: .jpeg,
                                           detail: "frame header gives size \(header.width)x\(header.height)")
        }
        try limits.check(width: header.width, height: header.height, format: .jpeg)

        let c = header.components
        var (w, h) = (header.width, header.height)
        if let budget {
            (w, h) = budget.outputSize(width: w, height: h, offered: offeredScales)
            let needed = w * h * max(c, 3) + header.coefficientBytes
            if needed > budget.maxBytes {
                throw ImageDecodeError.tooLarge(format: .jpeg, width: header.width, height: header.height,
                                                limit: "a decode budget of \(budget.maxBytes) bytes (this one needs about \(needed)\(header.progressive ? ", most of it progressive coefficients" : ""))")
            }
        }
        let pixelFormat: Int32
        switch c {
        case 1: pixelFormat = Int32(TJPF_GRAY.rawValue)
        case 3: pixelFormat = Int32(TJPF_RGB.rawValue)
        default: pixelFormat = Int32(TJPF_CMYK.rawValue)
        }
        let raw = try decompress(bytes, scanStart: header.scanStart, width: w, height: h, channels: c, pixelFormat: pixelFormat)  // (h, w, c)
        let rgb: [UInt8]
        switch c {
        case 3: rgb = raw
        case 1: rgb = PixelConversion.grayToRGB(raw, count: w * h)
        default: rgb = PixelConversion.invertedCMYKToRGB(raw, count: w * h)
        }
        let image = RGBImage(width: w, height: h, pixels: rgb)
        guard let exif = header.exif else { return image }
        // Exif.load strips the 6-byte "Exif\0\0" prefix before parsing the TIFF structure.
        guard exif.count > 6, exif[5] == 0 else { return image }
        let orientation = ExifOrientation.parse(tiff: UnsafeRawBufferPointer(rebasing: exif[6...]))
        return orientation?.apply(to: image) ?? image
    }

    /// The scaling factors the linked libjpeg-turbo offers (`tjGetScalingFactors`), reduced.
    static let offeredScales: [(num: Int, denom: Int)] = {
        var n: Int32 = 0
        guard let factors = tjGetScalingFactors(&n) else { return [] }
        return (0..<Int(n)).map { i -> (num: Int, denom: Int) in
            let f = factors[i]
            var (a, b) = (Int(f.num), Int(f.denom))
            var (x, y) = (a, b)
            while y != 0 { (x, y) = (y, x % y) }
            if x > 0 { a /= x; b /= x }
            return (a, b)
        }
    }()

    /// libjpeg's warning texts (jerror.h `JWRN_*`). TurboJPEG keeps the first warning's text
    /// unless a fatal error follows, whose text then replaces it, so a message outside this list
    /// means the decode failed.
    static let warningPrefixes = [
        "Corrupt JPEG data", "Premature end of JPEG file", "Unknown Adobe color transform code",
        "Inconsistent progression sequence", "Warning: unknown JFIF revision number",
        "Invalid SOS parameters for sequential JPEG", "Application transferred too many scanlines",
    ]

    /// Runs `tjDecompress2` into a new (h, w, channels) buffer.
    ///
    /// Pillow feeds libjpeg through a suspending source and refuses a file that ends before
    /// libjpeg reaches the end-of-image marker ("image file is truncated"), but it ignores
    /// warnings such as extraneous bytes before a marker. TurboJPEG's memory source instead pads
    /// a short file with a fake EOI and warns; so a file without an EOI marker after its first
    /// scan, or a "Premature end of JPEG file" warning, is reported as truncated, and other
    /// warnings are ignored as Pillow ignores them.
    static func decompress(_ bytes: UnsafeRawBufferPointer, scanStart: Int, width w: Int, height h: Int,
                           channels c: Int, pixelFormat: Int32) throws -> [UInt8] {
        guard let handle = tjInitDecompress() else {
            throw ImageDecodeError.corrupt(format: .jpeg, detail: "TurboJPEG could not start a decompressor")
        }
        defer { tjDestroy(handle) }
        var failure: (code: Int32, message: String)?
        let out = [UInt8](unsafeUninitializedCapacity: w * h * c) { dst, count in
            // Zeroed first: a failed decode must still leave the buffer initialised.
            dst.initialize(repeating: 0)
            // TurboJPEG picks the largest scaling factor whose output fits w x h, so the frame
            // size gives factor 1 and a `DecodeBudget.outputSize` gives exactly its scale; a
            // pitch of w * c keeps rows contiguous. TJFLAG_LIMITSCANS refuses progressive files
            // with more than 500 scans (a decompression-time bomb Pillow would grind through).
            let rc = tjDecompress2(handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                   UInt(bytes.count), dst.baseAddress, Int32(w), Int32(w * c), Int32(h),
                                   pixelFormat, TJFLAG_LIMITSCANS)
            if rc != 0 { failure = (tjGetErrorCode(handle), String(cString: tjGetErrorStr2(handle))) }
            count = w * h * c
        }
        guard let failure else { return out }
        if failure.message.hasPrefix("Premature end of JPEG file") || !hasEndMarker(bytes, after: scanStart) {
            throw ImageDecodeError.truncated(format: .jpeg, detail: "no end-of-image marker (\(failure.message))")
        }
        let isWarning = failure.code == Int32(TJERR_WARNING.rawValue)
            && warningPrefixes.contains { failure.message.hasPrefix($0) }
        if !isWarning {
            throw ImageDecodeError.corrupt(format: .jpeg, detail: failure.message)
        }
        return out
    }

    /// Whether FF D9 occurs after `start`. Entropy-coded data cannot contain it (a coded FF is
    /// always followed by 00 or a restart marker), so its absence means the file was cut short.
    static func hasEndMarker(_ bytes: UnsafeRawBufferPointer, after start: Int) -> Bool {
        var i = bytes.count - 2
        while i >= start {
            if bytes[i] == 0xFF && bytes[i + 1] == 0xD9 { return true }
            i -= 1
        }
        return false
    }

    /// Walks the marker segments up to the first SOS, as `JpegImagePlugin._open` does, to learn
    /// the frame size (so limits are checked before libjpeg allocates) and find the EXIF segment.
    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        var header = Header()
        var sawFrame = false
        var i = 2
        let n = bytes.count
        while true {
            // Fill bytes and junk between segments are skipped, as libjpeg's next_marker does.
            while i < n && bytes[i] != 0xFF { i += 1 }
            while i < n && bytes[i] == 0xFF { i += 1 }
            guard i < n else {
                throw ImageDecodeError.truncated(format: .jpeg,
                                                 detail: "data ends at byte \(n) before the first scan")
            }
            let marker = bytes[i]
            i += 1
            if marker == 0x00 || marker == 0x01 || (0xD0...0xD8).contains(marker) { continue }
            if marker == 0xD9 {
                throw ImageDecodeError.corrupt(format: .jpeg, detail: "end-of-image marker before any scan")
            }
            guard i + 2 <= n else {
                throw ImageDecodeError.truncated(format: .jpeg,
                                                 detail: "segment FF\(hex(marker)) at byte \(i - 2) has no length")
            }
            let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
            guard length >= 2 else {
                throw ImageDecodeError.corrupt(format: .jpeg,
                                               detail: "segment FF\(hex(marker)) at byte \(i - 2) has length \(length)")
            }
            guard i + length <= n else {
                throw ImageDecodeError.truncated(format: .jpeg,
                                                 detail: "segment FF\(hex(marker)) at byte \(i - 2) needs \(length) bytes, \(n - i) remain")
            }
            let body = UnsafeRawBufferPointer(rebasing: bytes[(i + 2)..<(i + length)])
            i += length
            switch marker {
            case 0xDA:
                guard sawFrame else {
                    throw ImageDecodeError.corrupt(format: .jpeg, detail: "scan before any frame header")
                }
                header.scanStart = i
                return header
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
                guard !sawFrame else {
                    throw ImageDecodeError.corrupt(format: .jpeg, detail: "two frame headers")
                }
                guard body.count >= 6 else {
                    throw ImageDecodeError.corrupt(format: .jpeg, detail: "frame header of \(body.count) bytes")
                }
                sawFrame = true
                header.precision = Int(body[0])
                header.height = Int(body[1]) << 8 | Int(body[2])
                header.width = Int(body[3]) << 8 | Int(body[4])
                header.components = Int(body[5])
                header.progressive = [0xC2, 0xC6, 0xCA, 0xCE].contains(marker)
                var k = 6
                while k + 3 <= body.count && header.sampling.count < header.components {
                    header.sampling.append((h: Int(body[k + 1] >> 4), v: Int(body[k + 1] & 0x0F)))
                    k += 3
                }
            case 0xE1 where header.exif == nil && body.starts(with: [0x45, 0x78, 0x69, 0x66, 0x00]):
                header.exif = body
            default:
                break
            }
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let s = String(byte, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}

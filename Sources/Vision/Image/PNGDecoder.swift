import CSpng

/// PNG to upright RGB8 the way Pillow 9.4's `PngImagePlugin` + `convert("RGB")` does it.
///
/// libspng decodes to the file's own sample format (`SPNG_FMT_RAW`: no gamma, no tRNS, no
/// scaling); the Pillow mode each (bit depth, colour type) opens as is then converted exactly:
///
/// | PNG            | Pillow mode (rawmode)      | RGB result                                  |
/// |----------------|----------------------------|---------------------------------------------|
/// | gray 1         | "1" ("1")                  | 0 or 255                                    |
/// | gray 2 / 4     | "L" ("L;2" / "L;4")        | v * 0x55 / v * 0x11, replicated             |
/// | gray 8         | "L"                        | replicated                                  |
/// | gray 16        | "I" ("I;16B")              | `i2rgb` CLIPS to 0...255 (does not scale)   |
/// | RGB 8 / 16     | "RGB" ("RGB;16B")          | 16-bit keeps the high byte                  |
/// | palette 1-8    | "P" ("P;1".."P")           | palette entry; indexes past PLTE get the    |
/// |                |                            | initial gray ramp (i, i, i)                 |
/// | gray+alpha 8   | "LA"                       | gray replicated, alpha dropped              |
/// | gray+alpha 16  | "RGBA" ("LA;16B")          | high byte of gray replicated, alpha dropped |
/// | RGBA 8 / 16    | "RGBA" ("RGBA;16B")        | (high bytes of) RGB, alpha dropped          |
///
/// Alpha and tRNS are dropped, never composited, as `convert("RGB")` does.
enum PNGDecoder {
    /// Decodes at full size. PNG has no scaled decode, so `budget` only bounds memory: the raw
    /// rows libspng fills plus the RGB output must fit in `budget.maxBytes`, checked from IHDR
    /// before either is allocated.
    static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits, budget: DecodeBudget? = nil) throws -> RGBImage {
        // Signature (8), then IHDR: length (4), type (4), width (4), height (4), ... (5), CRC (4).
        guard bytes.count >= 33 else {
            throw ImageDecodeError.truncated(format: .png,
                                             detail: "\(bytes.count) bytes, too short for the IHDR chunk")
        }
        guard bytes[12] == 0x49, bytes[13] == 0x48, bytes[14] == 0x44, bytes[15] == 0x52 else {
            throw ImageDecodeError.corrupt(format: .png, detail: "first chunk is not IHDR")
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        let width = u32(16), height = u32(20)
        guard width > 0, height > 0 else {
            throw ImageDecodeError.corrupt(format: .png, detail: "IHDR gives size \(width)x\(height)")
        }
        try limits.check(width: width, height: height, format: .png)

        guard let ctx = spng_ctx_new(0) else {
            throw ImageDecodeError.corrupt(format: .png, detail: "libspng could not create a decoder")
        }
        defer { spng_ctx_free(ctx) }
        // The library enforces the same bounds again, in case its reading of IHDR differed.
        try check(spng_set_image_limits(ctx, UInt32(clamping: limits.maxSide), UInt32(clamping: limits.maxSide)))
        try check(spng_set_chunk_limits(ctx, limits.maxPNGChunkBytes, limits.maxPNGChunkCacheBytes))
        try check(spng_set_png_buffer(ctx, bytes.baseAddress, bytes.count))
        var ihdr = spng_ihdr()
        try check(spng_get_ihdr(ctx, &ihdr))
        var size = 0
        try check(spng_decoded_image_size(ctx, Int32(SPNG_FMT_RAW.rawValue), &size))
        if let budget, size + width * height * 3 > budget.maxBytes {
            throw ImageDecodeError.tooLarge(format: .png, width: width, height: height,
                                            limit: "a decode budget of \(budget.maxBytes) bytes (this one needs \(size + width * height * 3))")
        }
        // Zeroed, not merely allocated: for interlaced images below 8 bits libspng ORs each
        // pass's samples into the destination bytes.
        var raw = [UInt8](repeating: 0, count: size)  // (h, rowBytes)
        let status = raw.withUnsafeMutableBytes {
            spng_decode_image(ctx, $0.baseAddress, size, Int32(SPNG_FMT_RAW.rawValue), 0)
        }
        try check(status)

        var palette: [UInt8] = []
        if ihdr.color_type == 3 {
            var plte = spng_plte()
            let rc = spng_get_plte(ctx, &plte)
            if rc != 0 && rc != Int32(SPNG_ECHUNKAVAIL.rawValue) { try check(rc) }
            palette = paletteTable(plte, present: rc == 0)
        }
        let rgb = try toRGB(raw, width: width, height: height, rowBytes: size / height,
                            bitDepth: Int(ihdr.bit_depth), colorType: Int(ihdr.color_type), palette: palette)
        let image = RGBImage(width: width, height: height, pixels: rgb)
        return orientation(ctx)?.apply(to: image) ?? image
    }

    /// Pillow's palette starts as the gray ramp (`ImagingPaletteNew`) and `putpalette` overwrites
    /// only the entries PLTE supplies. // (256, 3)
    static func paletteTable(_ plte: spng_plte, present: Bool) -> [UInt8] {
        var table = [UInt8](unsafeUninitializedCapacity: 768) { dst, count in
            for i in 0..<256 { dst[3 * i] = UInt8(i); dst[3 * i + 1] = UInt8(i); dst[3 * i + 2] = UInt8(i) }
            count = 768
        }
        guard present else { return table }
        withUnsafeBytes(of: plte.entries) { raw in
            let entries = raw.bindMemory(to: spng_plte_entry.self)
            for i in 0..<min(Int(plte.n_entries), 256) {
                table[3 * i] = entries[i].red
                table[3 * i + 1] = entries[i].green
                table[3 * i + 2] = entries[i].blue
            }
        }
        return table
    }

    /// Converts raw big-endian PNG rows to RGB8 per the table in the type comment.
    static func toRGB(_ raw: [UInt8], width w: Int, height h: Int, rowBytes: Int,
                      bitDepth: Int, colorType: Int, palette: [UInt8]) throws -> [UInt8] {
        let channels: Int
        switch colorType {
        case 0, 3: channels = 1
        case 2: channels = 3
        case 4: channels = 2
        case 6: channels = 4
        default:
            throw ImageDecodeError.unsupported(format: .png, detail: "colour type \(colorType)")
        }
        let bytesPerSample = bitDepth == 16 ? 2 : 1
        return [UInt8](unsafeUninitializedCapacity: w * h * 3) { dst, count in
            raw.withUnsafeBufferPointer { src in
                palette.withUnsafeBufferPointer { pal in
                    for y in 0..<h {
                        let row = y * rowBytes
                        var d = y * w * 3
                        if bitDepth < 8 {
                            // Packed samples, most significant bits first.
                            let perByte = 8 / bitDepth, mask = (1 << bitDepth) - 1
                            for x in 0..<w {
                                let byte = Int(src[row + x / perByte])
                                let v = (byte >> (8 - bitDepth * (x % perByte + 1))) & mask
                                if colorType == 3 {
                                    dst[d] = pal[3 * v]; dst[d + 1] = pal[3 * v + 1]; dst[d + 2] = pal[3 * v + 2]
                                } else {
                                    // "1" -> 255 for a set bit; "L;2" * 0x55; "L;4" * 0x11.
                                    let g = UInt8(v * (255 / mask))
                                    dst[d] = g; dst[d + 1] = g; dst[d + 2] = g
                                }
                                d += 3
                            }
                            continue
                        }
                        let stride = channels * bytesPerSample
                        var s = row
                        switch (colorType, bitDepth) {
                        case (0, 16):
                            // "I;16B" opens as mode "I"; i2rgb clips instead of scaling.
                            for _ in 0..<w {
                                let v = UInt8(clamping: Int(src[s]) << 8 | Int(src[s + 1]))
                                dst[d] = v; dst[d + 1] = v; dst[d + 2] = v
                                s += stride; d += 3
                            }
                        case (0, _), (4, _):
                            for _ in 0..<w {
                                let v = src[s]
                                dst[d] = v; dst[d + 1] = v; dst[d + 2] = v
                                s += stride; d += 3
                            }
                        case (3, _):
                            for _ in 0..<w {
                                let v = Int(src[s])
                                dst[d] = pal[3 * v]; dst[d + 1] = pal[3 * v + 1]; dst[d + 2] = pal[3 * v + 2]
                                s += stride; d += 3
                            }
                        default:
                            // RGB / RGBA; for 16-bit the first (high) byte of each sample.
                            for _ in 0..<w {
                                dst[d] = src[s]
                                dst[d + 1] = src[s + bytesPerSample]
                                dst[d + 2] = src[s + 2 * bytesPerSample]
                                s += stride; d += 3
                            }
                        }
                    }
                }
            }
            count = w * h * 3
        }
    }

    /// The orientation Pillow 9.4's `PngImageFile.getexif()` finds: the eXIf chunk, else an
    /// ImageMagick "Raw profile type exif" text chunk (hex after the third line); if neither
    /// holds tag 0x0112, `tiff:Orientation` in an "XML:com.adobe.xmp" text chunk.
    static func orientation(_ ctx: OpaquePointer) -> ExifOrientation? {
        var exif = spng_exif()
        if spng_get_exif(ctx, &exif) == 0, let data = exif.data {
            let tiff = UnsafeRawBufferPointer(start: data, count: exif.length)
            if let value = ExifOrientation.parse(tiff: tiff) { return value }
        }
        var n: UInt32 = 0
        guard spng_get_text(ctx, nil, &n) == 0, n > 0 else { return nil }
        var texts = [spng_text](repeating: spng_text(), count: Int(n))
        guard spng_get_text(ctx, &texts, &n) == 0 else { return nil }
        func keyword(_ t: spng_text) -> String {
            withUnsafeBytes(of: t.keyword) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        func body(_ t: spng_text) -> [UInt8] {
            guard let p = t.text else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: t.length))
        }
        if exif.data == nil, let raw = texts.first(where: { keyword($0) == "Raw profile type exif" }) {
            let tiff = rawProfileBytes(body(raw))
            let withoutPrefix = tiff.starts(with: Array("Exif\0\0".utf8)) ? Array(tiff.dropFirst(6)) : tiff
            if let value = withoutPrefix.withUnsafeBytes({ ExifOrientation.parse(tiff: $0) }) { return value }
        }
        if let xmp = texts.first(where: { keyword($0) == "XML:com.adobe.xmp" }) {
            return xmpOrientation(body(xmp))
        }
        return nil
    }

    /// `bytes.fromhex("".join(text.split("\n")[3:]))`; nil-free: bad hex yields no bytes,
    /// where Pillow would raise.
    static func rawProfileBytes(_ text: [UInt8]) -> [UInt8] {
        var lines = 0, start = text.count
        for (i, c) in text.enumerated() where c == UInt8(ascii: "\n") {
            lines += 1
            if lines == 3 { start = i + 1; break }
        }
        var out: [UInt8] = []
        var high: UInt8?
        for c in text[start...] {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C, UInt8(ascii: "\n"):
                guard high == nil else { return [] }
                continue
            default: return []
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return high == nil ? out : []
    }

    /// The first match of `tiff:Orientation(="|>)([0-9])`, as `Image.getexif` searches XMP.
    static func xmpOrientation(_ xmp: [UInt8]) -> ExifOrientation? {
        let key = Array("tiff:Orientation".utf8)
        guard xmp.count > key.count + 1 else { return nil }
        for i in 0..<(xmp.count - key.count - 1) where xmp[i] == key[0] {
            guard xmp[i..<(i + key.count)].elementsEqual(key) else { continue }
            var j = i + key.count
            if xmp[j] == UInt8(ascii: "=") {
                guard j + 2 < xmp.count, xmp[j + 1] == UInt8(ascii: "\"") else { continue }
                j += 2
            } else if xmp[j] == UInt8(ascii: ">") {
                j += 1
            } else {
                continue
            }
            guard j < xmp.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(xmp[j]) else { continue }
            return ExifOrientation(rawValue: Int(xmp[j] - UInt8(ascii: "0")))
        }
        return nil
    }

    private static func check(_ rc: Int32) throws {
        guard rc != 0 else { return }
        let message = String(cString: spng_strerror(rc))
        if rc == Int32(SPNG_EOF.rawValue) || rc == Int32(SPNG_IO_EOF.rawValue) {
            throw ImageDecodeError.truncated(format: .png, detail: message)
        }
        if rc == Int32(SPNG_EUSER_WIDTH.rawValue) || rc == Int32(SPNG_EUSER_HEIGHT.rawValue) {
            throw ImageDecodeError.corrupt(format: .png, detail: "\(message) (libspng's reading of IHDR)")
        }
        throw ImageDecodeError.corrupt(format: .png, detail: message)
    }
}

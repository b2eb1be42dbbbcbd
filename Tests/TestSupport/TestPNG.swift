import Foundation

/// Writes 8-bit RGB PNGs of generated scenes for the daemon to decode: deflate's stored blocks
/// need no compressor, and the chunks' CRC-32 is `CRC32`.
public enum TestPNG {
    /// A `width` x `height` RGB photo whose pixel at (x, y) (each 0...1, pixel centres) is `f`.
    public static func rgb(_ width: Int, _ height: Int, _ f: (Double, Double) -> (Double, Double, Double)) -> Data {
        var raw: [UInt8] = []
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            for x in 0..<width {
                let (r, g, b) = f((Double(x) + 0.5) / Double(width), (Double(y) + 0.5) / Double(height))
                for v in [r, g, b] { raw.append(UInt8(max(0, min(255, v.rounded())))) }
            }
        }
        return png(width: width, height: height, colourType: 2, raw: raw)
    }

    /// A gray scene: `f` gives luma 0...255.
    public static func gray(_ width: Int = 320, _ height: Int = 240, _ f: (Double, Double) -> Double) -> Data {
        rgb(width, height) { x, y in let v = f(x, y); return (v, v, v) }
    }

    private static func png(width: Int, height: Int, colourType: UInt8, raw: [UInt8]) -> Data {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, colourType, 0, 0, 0], into: &out)
        chunk("IDAT", zlibStored(raw), into: &out)
        chunk("IEND", [], into: &out)
        return Data(out)
    }

    private static func chunk(_ type: String, _ body: [UInt8], into out: inout [UInt8]) {
        let typed = Array(type.utf8) + body
        out += be32(UInt32(body.count)) + typed + be32(CRC32.checksum(typed))
    }

    private static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    /// zlib with stored (uncompressed) deflate blocks of at most 65535 bytes, and Adler-32.
    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65535, data.count - i)
            let last: UInt8 = i + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + be32(b << 16 | a)
    }
}

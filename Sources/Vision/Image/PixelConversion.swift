/// Pillow 9.4's unpackers (Unpack.c) and `convert("RGB")` routines (Convert.c), each producing
/// interleaved RGB8. Every loop walks contiguous buffers and allocates once.
enum PixelConversion {
    /// `l2rgb`: gray replicated into R, G and B. // (n) -> (n, 3)
    static func grayToRGB(_ gray: [UInt8], count n: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n * 3) { dst, count in
            gray.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let v = src[i]
                    dst[3 * i] = v; dst[3 * i + 1] = v; dst[3 * i + 2] = v
                }
            }
            count = n * 3
        }
    }

    /// Unpacker "CMYK;I" (every channel inverted: Pillow assumes Adobe polarity for all CMYK
    /// JPEGs) followed by `cmyk2rgb`: `out = CLIP8(nk - MULDIV255(c, nk))` with `nk = 255 - k`.
    /// // (n, 4) -> (n, 3)
    static func invertedCMYKToRGB(_ cmyk: [UInt8], count n: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: n * 3) { dst, count in
            cmyk.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let nk = Int(src[4 * i + 3])  // 255 - (255 - k_stored)
                    for ch in 0..<3 {
                        let c = 255 - Int(src[4 * i + ch])
                        let t = c * nk + 128
                        let v = nk - (((t >> 8) + t) >> 8)
                        dst[3 * i + ch] = UInt8(clamping: v)
                    }
                }
            }
            count = n * 3
        }
    }
}

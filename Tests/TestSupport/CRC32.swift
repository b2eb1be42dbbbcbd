/// CRC-32 as PNG chunks and zip use it (ISO 3309: reflected polynomial 0xEDB88320, initial and
/// final value 0xFFFFFFFF), for tests that build or repair PNG chunks.
public enum CRC32 {
    /// The checksum of `bytes`; `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}

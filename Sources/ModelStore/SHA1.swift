import Foundation

/// SHA-1 as specified in FIPS 180-4, streaming.
///
/// Used only to check small (non-LFS) hub files against their Git blob id
/// (`siblings[].blobId`), which is `sha1("blob <size>\0" + content)` as `git hash-object` computes
/// it. SHA-1 is not collision resistant; it guards against truncation and corruption here, and the
/// files it covers are small JSON and text files. Weights are LFS files, checked with SHA-256.
public struct SHA1: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0)
    private var block = [UInt8](repeating: 0, count: 64)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    public init() {}

    /// Starts the Git blob hash of a `size`-byte file: the header `blob <size>\0`.
    public static func gitBlob(size: Int64) -> SHA1 {
        var hash = SHA1()
        hash.update(Data("blob \(size)\u{0}".utf8))
        return hash
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        totalBytes &+= UInt64(bytes.count)
        var index = 0
        if blockCount > 0 {
            let take = min(64 - blockCount, bytes.count)
            for i in 0..<take { block[blockCount + i] = bytes[i] }
            blockCount += take
            index = take
            if blockCount == 64 {
                block.withUnsafeBytes { compress($0.baseAddress!) }
                blockCount = 0
            }
        }
        while bytes.count - index >= 64 {
            compress(bytes.baseAddress! + index)
            index += 64
        }
        for i in index..<bytes.count { block[blockCount] = bytes[i]; blockCount += 1 }
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Pads the message and returns the 20-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        var padding: [UInt8] = [0x80]
        let afterOne = (blockCount + 1) % 64
        padding += [UInt8](repeating: 0, count: afterOne <= 56 ? 56 - afterOne : 120 - afterOne)
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        padding.withUnsafeBytes { update($0) }
        precondition(blockCount == 0, "SHA-1 padding must end on a block boundary")
        var out = [UInt8]()
        for word in [state.0, state.1, state.2, state.3, state.4] {
            out += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
        return out
    }

    /// Lower-case hex digest of `data`.
    public static func hex(_ data: Data) -> String {
        var hash = SHA1()
        hash.update(data)
        return hash.finalize().hexString
    }

    private mutating func compress(_ p: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
            for i in 16..<80 { w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotatedLeft(1) }
            var (a, b, c, d, e) = state
            for i in 0..<80 {
                let f: UInt32
                let k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5a827999
                case 20..<40: f = b ^ c ^ d; k = 0x6ed9eba1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc
                default: f = b ^ c ^ d; k = 0xca62c1d6
                }
                let t = a.rotatedLeft(5) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b.rotatedLeft(30); b = a; a = t
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }
    }
}

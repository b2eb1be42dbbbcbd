/// GPT-2's reversible byte <-> printable-character map (`bytes_to_unicode` in the GPT-2 encoder
/// and tokenizers' `ByteLevel`): printable Latin-1 bytes map to themselves, the other 68 bytes to
/// U+0100 onwards in byte order, so every BPE token is a printable string.
enum ByteLevel {
    /// `scalars[b]` is the character byte `b` becomes.
    static let scalars: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                out[b] = Unicode.Scalar(UInt32(b))!
            } else {
                out[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return out
    }()

    /// The inverse of `scalars`.
    static let bytes: [Unicode.Scalar: UInt8] = {
        var out: [Unicode.Scalar: UInt8] = [:]
        for (b, s) in scalars.enumerated() { out[s] = UInt8(b) }
        return out
    }()

    /// The UTF-8 bytes of `text` as byte-level characters.
    static func encode<S: Sequence>(_ utf8: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in utf8 { s.append(scalars[Int(b)]) }
        return String(s)
    }
}

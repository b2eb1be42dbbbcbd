/// UTF-8 decoding that replaces each maximal invalid subpart with U+FFFD.
///
/// This is Unicode's "substitution of maximal subparts" (Unicode 15, section 3.9, Table 3-8),
/// which Rust's `String::from_utf8_lossy` (used by tokenizers' ByteLevel decoder) and Python's
/// `bytes.decode("utf-8", "replace")` both follow: a truncated but well-started sequence is one
/// U+FFFD, and a byte that cannot start or continue a sequence is one U+FFFD of its own.
enum UTF8Lossy {
    static func decode(_ bytes: [UInt8]) -> String {
        var out = String.UnicodeScalarView()
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                out.append(Unicode.Scalar(b0))
                i += 1
                continue
            }
            // Lead byte: how many continuation bytes follow and the allowed range of the first.
            let need: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; high = 0x9F
            case 0xF0: need = 3; low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; high = 0x8F
            default:
                out.append("\u{FFFD}")
                i += 1
                continue
            }
            var value = UInt32(b0) & (0x3F >> UInt32(need))
            var j = i + 1
            var ok = true
            for k in 0..<need {
                guard j < n else { ok = false; break }
                let b = bytes[j]
                let (lo, hi): (UInt8, UInt8) = k == 0 ? (low, high) : (0x80, 0xBF)
                guard b >= lo, b <= hi else { ok = false; break }
                value = value << 6 | UInt32(b & 0x3F)
                j += 1
            }
            if ok, let scalar = Unicode.Scalar(value) {
                out.append(scalar)
            } else {
                out.append("\u{FFFD}")
            }
            i = j
        }
        return String(out)
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The last bytes a process wrote to stderr.
struct StderrTail {
    let limit: Int
    private var bytes: [UInt8] = []

    init(limit: Int) {
        self.limit = limit
    }

    /// Reads what is available; false at end of file.
    @discardableResult
    mutating func drain(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += buffer[0..<n]
                if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
            } else if n == 0 {
                return false
            } else if errno != EINTR {
                return true
            }
        }
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The last non-empty line, without the decoration camera programs put around errors
    /// ("ERROR: *** no cameras available ***"), cut at a word to at most `maxLength` characters.
    static func lastLine(of text: String, maxLength: Int = 80) -> String? {
        // Terminal colour codes (ESC [ ... letter) and other control characters are not words.
        let plain = text.replacingOccurrences(of: "\u{1b}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        let lines = plain.split(whereSeparator: \.isNewline).map { line in
            String(line.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) })
                .trimmingCharacters(in: .whitespaces)
        }
        guard var line = lines.last(where: { !$0.isEmpty }) else { return nil }
        for prefix in ["ERROR:", "Error:", "error:", "FATAL:", "fatal:"] where line.hasPrefix(prefix) {
            line = String(line.dropFirst(prefix.count))
        }
        line = line.trimmingCharacters(in: CharacterSet(charactersIn: " *.!"))
        guard !line.isEmpty else { return nil }
        guard line.count > maxLength else { return line }
        let cut = line.prefix(maxLength)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: CharacterSet(charactersIn: " ,;:"))
    }
}

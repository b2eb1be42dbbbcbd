#if canImport(Glibc)
import Glibc
#endif

/// File names as the kernel gives them, bytes that need not be UTF-8, carried in a `String`
/// without loss.
///
/// A byte that is not part of valid UTF-8 (always 0x80-0xFF) becomes the private-use scalar
/// U+F700 + byte, as some systems' file APIs do; `bytes(of:)` turns such a path back into the
/// exact bytes to open. So a photo named `caf\xE9.jpg` (Latin-1) is described like any other,
/// and its name is logged and spoken with the byte shown as an escape (`display`). A real
/// U+F780-U+F7FF in a UTF-8 name would read back as a raw byte; such names do not occur in
/// practice (the range is private use).
enum FileName {
    static let rawBase: UInt32 = 0xF700

    /// The name or path for `bytes`, each invalid byte kept as its private-use scalar.
    static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let raw = Array(bytes)
        var out = String.UnicodeScalarView()
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = raw.makeIterator()
        var position = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                out.append(Unicode.UTF8.decode(encoded))
                position += encoded.count
            case .error(let length):
                for b in raw[position..<position + length] { out.append(Unicode.Scalar(rawBase + UInt32(b))!) }
                position += length
            case .emptyInput:
                break loop
            }
        }
        return String(out)
    }

    /// The exact bytes of a path made by `decode` (UTF-8 for every other scalar).
    static func bytes(of path: String) -> [UInt8] {
        var out: [UInt8] = []
        for scalar in path.unicodeScalars {
            if (rawBase + 0x80...rawBase + 0xFF).contains(scalar.value) {
                out.append(UInt8(scalar.value - rawBase))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Whether the path holds a byte that is not UTF-8.
    static func hasRawBytes(_ path: String) -> Bool {
        path.unicodeScalars.contains { (rawBase + 0x80...rawBase + 0xFF).contains($0.value) }
    }

    /// Calls `body` with the path as the C string the kernel needs.
    static func withCPath<T>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        var c = bytes(of: path).map { CChar(bitPattern: $0) }
        c.append(0)
        return try c.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The name for logs, events and speech: each raw byte as `\xNN`.
    static func display(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if (rawBase + 0x80...rawBase + 0xFF).contains(scalar.value) {
                out += "\\x" + String(scalar.value - rawBase, radix: 16, uppercase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The names in `directory` as `decode` gives them (readdir, so no name is lost or
    /// altered); nil when it cannot be read.
    static func list(_ directory: String) -> [String]? {
        guard let dir = withCPath(directory, { opendir($0) }) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                decode(raw.prefix { $0 != 0 })
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

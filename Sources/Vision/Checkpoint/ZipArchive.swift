/// The entries of a zip archive held in a mapped file, as `torch.save` (>= 1.6) writes them.
///
/// PyTorch's `PyTorchStreamWriter` stores every record uncompressed (method 0) and aligns data to
/// 64 bytes, so an entry is just a byte range of the map. Read from the end of central directory
/// record (with ZIP64 records and extra fields for large archives), then each local header for the
/// real data start. A compressed, encrypted or out-of-bounds entry is an error naming it.
struct ZipArchive {
    struct Entry {
        var name: String
        /// Byte range of the entry's data in the file.
        var offset: Int
        var size: Int
    }

    let file: MappedFile
    /// Entries by name, in central directory order for `names`.
    private(set) var entries: [String: Entry] = [:]
    private(set) var names: [String] = []

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Whether `length` bytes from `offset` lie inside a `size`-byte file, without computing
    /// `offset + length` (ZIP64 fields can hold values near 2^63).
    static func fits(_ offset: Int, _ length: Int, in size: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= size && length <= size - offset
    }

    init(_ file: MappedFile) throws {
        self.file = file
        func bad(_ reason: String) -> CheckpointError { .invalidFile(file.path, reason: reason) }
        let size = file.count
        guard size >= 22 else { throw bad("too short to be a zip archive (truncated?)") }

        // The EOCD record is the last 22 bytes plus a comment of at most 65535 bytes.
        var eocd = -1
        var pos = size - 22
        let lowest = max(0, size - 22 - 65535)
        while pos >= lowest {
            if file.le(UInt32.self, at: pos) == Self.eocdSignature { eocd = pos; break }
            pos -= 1
        }
        guard eocd >= 0 else { throw bad("no zip end-of-central-directory record (truncated archive?)") }
        var count = Int(file.le(UInt16.self, at: eocd + 10))
        var cdSize = Int(file.le(UInt32.self, at: eocd + 12))
        var cdOffset = Int(file.le(UInt32.self, at: eocd + 16))
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            let locator = eocd - 20
            guard locator >= 0, file.le(UInt32.self, at: locator) == Self.zip64LocatorSignature else {
                throw bad("zip needs ZIP64 records but has no ZIP64 locator")
            }
            guard let record = Int(exactly: file.le(UInt64.self, at: locator + 8)), Self.fits(record, 56, in: size),
                  file.le(UInt32.self, at: record) == Self.zip64EOCDSignature else {
                throw bad("ZIP64 end-of-central-directory record is missing or out of bounds")
            }
            // A 64-bit value above Int.max becomes -1, which the bounds checks below refuse.
            count = Int(exactly: file.le(UInt64.self, at: record + 32)) ?? -1
            cdSize = Int(exactly: file.le(UInt64.self, at: record + 40)) ?? -1
            cdOffset = Int(exactly: file.le(UInt64.self, at: record + 48)) ?? -1
        }
        // Every central directory entry takes at least 46 bytes.
        guard count >= 0, count <= size / 46 else {
            throw bad("zip central directory claims \(count) entries, more than the \(size)-byte file can hold")
        }
        guard Self.fits(cdOffset, cdSize, in: size) else {
            throw bad("zip central directory [\(cdOffset), +\(cdSize)] lies outside the \(size)-byte file (truncated?)")
        }

        var p = cdOffset
        for _ in 0..<count {
            guard Self.fits(p, 46, in: cdOffset + cdSize), file.le(UInt32.self, at: p) == Self.centralSignature else {
                throw bad("zip central directory entry at byte \(p) is malformed")
            }
            let flags = file.le(UInt16.self, at: p + 8)
            let method = file.le(UInt16.self, at: p + 10)
            var compressed = Int(file.le(UInt32.self, at: p + 20))
            var uncompressed = Int(file.le(UInt32.self, at: p + 24))
            let nameLength = Int(file.le(UInt16.self, at: p + 28))
            let extraLength = Int(file.le(UInt16.self, at: p + 30))
            let commentLength = Int(file.le(UInt16.self, at: p + 32))
            var localOffset = Int(file.le(UInt32.self, at: p + 42))
            let next = p + 46 + nameLength + extraLength + commentLength
            guard next <= cdOffset + cdSize else { throw bad("zip central directory entry at byte \(p) overruns the directory") }
            let name = String(decoding: file.bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)

            // ZIP64 extended information: only the fields whose 32-bit value is saturated, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = file.le(UInt16.self, at: e)
                let length = Int(file.le(UInt16.self, at: e + 2))
                var f = e + 4
                let fieldEnd = f + length
                guard fieldEnd <= extraEnd else { throw bad("zip entry \(name) has a malformed extra field") }
                if id == 0x0001 {
                    func next64() throws -> Int {
                        guard f + 8 <= fieldEnd else { throw bad("zip entry \(name) has a short ZIP64 extra field") }
                        defer { f += 8 }
                        return Int(exactly: file.le(UInt64.self, at: f)) ?? -1
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next64() }
                    if compressed == 0xFFFF_FFFF { compressed = try next64() }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next64() }
                }
                e = fieldEnd
            }

            guard flags & 1 == 0 else { throw bad("zip entry \(name) is encrypted") }
            guard method == 0 else {
                throw bad("zip entry \(name) is compressed (method \(method)); torch.save stores entries uncompressed")
            }
            guard compressed == uncompressed else { throw bad("zip entry \(name) is stored but its sizes differ") }
            guard Self.fits(localOffset, 30, in: size), file.le(UInt32.self, at: localOffset) == Self.localSignature else {
                throw bad("zip entry \(name) has no local header at byte \(localOffset) (truncated?)")
            }
            let dataStart = localOffset + 30 + Int(file.le(UInt16.self, at: localOffset + 26))
                + Int(file.le(UInt16.self, at: localOffset + 28))
            guard Self.fits(dataStart, uncompressed, in: size) else {
                throw bad("zip entry \(name) data [\(dataStart), +\(uncompressed)] runs past the end of the \(size)-byte file (truncated?)")
            }
            entries[name] = Entry(name: name, offset: dataStart, size: uncompressed)
            names.append(name)
            p = next
        }
    }

    func entry(_ name: String) -> Entry? { entries[name] }

    /// The bytes of `entry`, a slice of the map.
    func bytes(_ entry: Entry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[entry.offset..<(entry.offset + entry.size)])
    }
}

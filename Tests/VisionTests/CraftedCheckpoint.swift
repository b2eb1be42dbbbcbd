import Foundation

/// Builds checkpoint files byte by byte, the way a hostile repository could: a `torch.save`-style
/// zip (stored records, a protocol-2 pickle of one `_rebuild_tensor_v2` call per tensor) or a
/// safetensors file with a hand-written header, with any sizes, strides and offsets.
enum CraftedCheckpoint {
    /// One tensor of a crafted state dict: a view of storage `storage` (`data/<storage>`).
    struct View {
        var key: String
        var storage: String
        var storageType = "FloatStorage"
        var numel: Int
        var offset = 0
        var size: [Int]
        var stride: [Int]
    }

    /// A pickle that rebuilds `views` into an OrderedDict-style state dict.
    static func pickle(_ views: [View]) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x7D, 0x28]  // PROTO 2, EMPTY_DICT, MARK
        func string(_ s: String) {
            let b = Array(s.utf8)
            p += [0x58] + le(UInt32(b.count)) + b  // BINUNICODE
        }
        func int(_ v: Int) { p += [0x8A, 0x08] + le(UInt64(bitPattern: Int64(v))) }  // LONG1, 8 bytes
        func global(_ module: String, _ name: String) { p += [0x63] + Array("\(module)\n\(name)\n".utf8) }
        func tuple(_ v: [Int]) {
            p += [0x28]
            v.forEach(int)
            p += [0x74]
        }
        for v in views {
            string(v.key)
            global("torch._utils", "_rebuild_tensor_v2")
            p += [0x28]  // MARK: the argument tuple
            p += [0x28]  // MARK: the persistent id
            string("storage")
            global("torch", v.storageType)
            string(v.storage)
            string("cpu")
            int(v.numel)
            p += [0x74, 0x51]  // TUPLE, BINPERSID
            int(v.offset)
            tuple(v.size)
            tuple(v.stride)
            p += [0x89]  // requires_grad False
            global("collections", "OrderedDict")
            p += [0x29, 0x52]  // backward_hooks = OrderedDict()
            p += [0x74, 0x52]  // TUPLE, REDUCE
        }
        p += [0x75, 0x2E]  // SETITEMS, STOP
        return p
    }

    /// A zip archive of stored `records`, as `PyTorchStreamWriter` lays them out. With `zip64`,
    /// the end record defers to a ZIP64 end record whose central directory fields are
    /// `zip64` (count, size, offset) instead of the true ones.
    static func zip(_ records: [(name: String, data: [UInt8])], zip64: (count: UInt64, size: UInt64, offset: UInt64)? = nil) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for r in records {
            let name = Array(r.name.utf8)
            let offset = UInt32(out.count)
            out += le(UInt32(0x0403_4B50)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
            out += le(UInt32(0)) + le(UInt32(r.data.count)) + le(UInt32(r.data.count))
            out += le(UInt16(name.count)) + le(UInt16(0)) + name + r.data
            central += le(UInt32(0x0201_4B50)) + le(UInt16(20)) + le(UInt16(20)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt32(0)) + le(UInt32(0)) + le(UInt32(r.data.count)) + le(UInt32(r.data.count))
            central += le(UInt16(name.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0))
            central += le(UInt32(0)) + le(offset) + name
        }
        let cdOffset = out.count
        out += central
        if let z = zip64 {
            let record = out.count
            out += le(UInt32(0x0606_4B50)) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
            out += le(z.count) + le(z.count) + le(z.size) + le(z.offset)
            out += le(UInt32(0x0706_4B50)) + le(UInt32(0)) + le(UInt64(record)) + le(UInt32(1))
            out += le(UInt32(0x0605_4B50)) + [0, 0, 0, 0] + le(UInt16(0xFFFF)) + le(UInt16(0xFFFF))
            out += le(UInt32(0xFFFF_FFFF)) + le(UInt32(0xFFFF_FFFF)) + le(UInt16(0))
        } else {
            out += le(UInt32(0x0605_4B50)) + [0, 0, 0, 0] + le(UInt16(records.count)) + le(UInt16(records.count))
            out += le(UInt32(central.count)) + le(UInt32(cdOffset)) + le(UInt16(0))
        }
        return out
    }

    /// A `pytorch_model.bin` holding `views` over `storages` (name -> raw bytes).
    static func torch(_ views: [View], storages: [String: [UInt8]]) -> [UInt8] {
        zip([("archive/data.pkl", pickle(views))] + storages.sorted { $0.key < $1.key }.map { ("archive/data/\($0.key)", $0.value) })
    }

    /// A safetensors file with `header` as its JSON header and `data` after it.
    static func safetensors(header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return le(UInt64(json.count)) + json + data
    }

    /// Writes `bytes` to a new file named `name` in a fresh temporary directory.
    static func write(_ bytes: [UInt8], name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crafted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }
}

/// Reads the tensor table of a mapped `pytorch_model.bin` in the zip format of `torch.save`
/// (torch >= 1.6): `<archive>/data.pkl` (the pickled state dict) and one stored record per
/// storage, `<archive>/data/<key>`, holding its raw little-endian elements.
enum TorchArchiveReader {
    static func read(_ file: MappedFile) throws -> [String: RawTensor] {
        func bad(_ reason: String) -> CheckpointError { .invalidFile(file.path, reason: reason) }
        let head = file.bytes.prefix(4)
        if head.starts(with: [0x80]) {
            throw bad("legacy (pre-1.6, non-zip) torch serialization format is not supported; re-save it with torch >= 1.6 or convert it to safetensors")
        }
        guard head.elementsEqual([0x50, 0x4B, 0x03, 0x04]) else {
            throw bad("not a zip archive (torch >= 1.6 format) nor a pickle")
        }
        let archive = try ZipArchive(file)
        guard let pickleName = archive.names.first(where: { name in
            name.hasSuffix("/data.pkl") && name.dropLast("/data.pkl".count).allSatisfy { $0 != "/" }
        }), let pickle = archive.entry(pickleName) else {
            throw bad("zip archive has no <archive>/data.pkl record")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        if let order = archive.entry(prefix + "byteorder") {
            let value = String(decoding: archive.bytes(order), as: UTF8.self)
            guard value == "little" else { throw bad("tensors are stored \(value)-endian; only little-endian is supported") }
        }

        let state = try TorchUnpickler.stateDict(archive.bytes(pickle), path: file.path)
        var tensors: [String: RawTensor] = [:]
        for (key, t) in state {
            let recordName = prefix + "data/" + t.storage.key
            guard let record = archive.entry(recordName) else { throw bad("tensor \(key) uses storage \(recordName), which is missing") }
            let elementSize = t.storage.dtype.size
            guard let expected = byteCount([t.storage.numel], elementSize), expected <= record.size else {
                throw bad("storage \(recordName) holds \(record.size) bytes, fewer than its \(t.storage.numel) \(t.storage.dtype.rawValue) elements")
            }
            // The highest element the view touches must lie inside the storage.
            guard t.storageOffset >= 0, t.size.allSatisfy({ $0 >= 0 }), t.stride.allSatisfy({ $0 >= 0 }) else {
                throw bad("tensor \(key) has a negative offset, size or stride")
            }
            // Even an empty view starts inside (or just past) its storage, so its base address
            // below stays inside the record.
            guard t.storageOffset <= t.storage.numel else {
                throw bad("tensor \(key) starts at element \(t.storageOffset) of its \(t.storage.numel)-element storage")
            }
            // A floating tensor becomes `count` fp32 values when asked for. Views that repeat
            // elements (stride 0 with a size above 1, overlapping strides) are the only way to
            // have more elements than the storage; torch.save never writes them for parameters,
            // and without this a few hundred bytes could ask for terabytes.
            guard let count = RawTensor.elementCount(t.size) else {
                throw bad("tensor \(key) of size \(t.size) has more elements than an Int can count")
            }
            if t.storage.dtype.isFloatingPoint, count > t.storage.numel {
                throw bad("tensor \(key) of size \(t.size), stride \(t.stride) has \(count) elements but its storage holds \(t.storage.numel); repeated (broadcast or overlapping) views are not supported")
            }
            if count > 0 {
                var last = t.storageOffset
                for (n, s) in zip(t.size, t.stride) {
                    let (span, o1) = (n - 1).multipliedReportingOverflow(by: s)
                    let (sum, o2) = last.addingReportingOverflow(span)
                    guard !o1, !o2 else { throw bad("tensor \(key) has an overflowing size/stride") }
                    last = sum
                }
                guard last < t.storage.numel else {
                    throw bad("tensor \(key) of size \(t.size), stride \(t.stride), offset \(t.storageOffset) reaches past its \(t.storage.numel)-element storage")
                }
            }
            let base = file.bytes.baseAddress! + record.offset + t.storageOffset * elementSize
            tensors[key] = RawTensor(dtype: t.storage.dtype, shape: t.size, strides: t.stride, base: base)
        }
        return tensors
    }
}

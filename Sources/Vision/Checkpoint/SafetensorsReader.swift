import Foundation

/// Reads the tensor table of a mapped `.safetensors` file.
///
/// Layout (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then the data
/// area that the offsets index. Everything is validated the way `safetensors.safe_open` does
/// before a single tensor is used: header bounds, JSON, known dtype, element count times element
/// size equal to the byte range, and every range inside the data area.
enum SafetensorsReader {
    /// The safetensors library refuses headers above 100 MB; so do we.
    static let maxHeaderBytes = 100_000_000

    static func read(_ file: MappedFile) throws -> [String: RawTensor] {
        func bad(_ reason: String) -> CheckpointError { .invalidFile(file.path, reason: reason) }
        guard file.count >= 8 else { throw bad("shorter than the 8-byte safetensors header length") }
        let n = file.le(UInt64.self, at: 0)
        guard n <= UInt64(maxHeaderBytes) else { throw bad("safetensors header length \(n) exceeds \(maxHeaderBytes) bytes") }
        let headerLength = Int(n)
        guard 8 + headerLength <= file.count else {
            throw bad("safetensors header length \(headerLength) runs past the end of the \(file.count)-byte file (truncated?)")
        }
        let json = Data(file.bytes[8..<(8 + headerLength)])
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw bad("safetensors header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else { throw bad("safetensors header is not a JSON object") }
        let dataStart = 8 + headerLength
        let dataSize = file.count - dataStart
        let base = file.bytes.baseAddress! + dataStart
        var tensors: [String: RawTensor] = [:]
        for (key, value) in header where key != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw bad("header entry \(key) is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw bad("tensor \(key) has no dtype") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CheckpointError.unsupportedDType(key: key, dtype: dtypeName)
            }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw bad("tensor \(key) has no valid shape")
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw bad("tensor \(key) has no valid data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw bad("tensor \(key) data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data area\(end > dataSize ? " (truncated?)" : "")")
            }
            guard let bytes = byteCount(shape, dtype.size), bytes == end - begin else {
                throw bad("tensor \(key) is \(dtypeName) \(shape) but has \(end - begin) bytes")
            }
            // byteCount succeeded, so the element count cannot overflow either.
            tensors[key] = RawTensor(dtype: dtype, shape: shape, strides: RawTensor.contiguousStrides(shape),
                                     base: UnsafeRawPointer(base + begin))
        }
        return tensors
    }

    /// JSON numbers as Ints, refusing fractions and non-numbers.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in array {
            guard let number = v as? NSNumber else { return nil }
            let d = number.doubleValue
            guard d == d.rounded(), abs(d) < 9.0e15 else { return nil }
            out.append(number.intValue)
        }
        return out
    }
}

/// Product of `shape` times `elementSize`, or nil on overflow.
func byteCount(_ shape: [Int], _ elementSize: Int) -> Int? {
    var total = elementSize
    for d in shape {
        let (p, overflow) = total.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        total = p
    }
    return total
}

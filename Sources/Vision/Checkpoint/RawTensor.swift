/// One tensor as a reader found it: element type, shape, strides and the address of its first
/// element inside a mapped file. Readers validate bounds before making one: `count` does not
/// overflow, and every element the strides reach lies inside the file.
struct RawTensor {
    var dtype: DType
    /// Sizes, outermost first.
    var shape: [Int]
    /// Element strides for each dimension (row-major contiguous for safetensors).
    var strides: [Int]
    /// Address of element [0, 0, ...]; inside the mapped file.
    var base: UnsafeRawPointer

    /// Number of elements; the reader has checked that the product does not overflow.
    var count: Int { shape.reduce(1, *) }

    /// Bytes of the fp32 copy `floats` makes, 0 when it returns a view into the map.
    var convertedBytes: Int {
        dtype == .f32 && isContiguous && Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 ? 0 : count * 4
    }

    /// The product of `shape`, or nil if a size is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        guard shape.allSatisfy({ $0 >= 0 }) else { return nil }
        return byteCount(shape, 1)
    }

    /// Row-major strides for `shape`. A tensor with a zero dimension has no elements, so its
    /// strides are never used; the running product saturates there instead of overflowing
    /// (`[0, 2^40, 2^40]` is a valid, empty safetensors entry).
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = s
            let (next, overflow) = s.multipliedReportingOverflow(by: shape[d])
            s = overflow ? Int.max : next
        }
        return strides
    }

    /// Whether the elements lie in row-major order with no gaps (size-1 dims may have any stride,
    /// as torch's `is_contiguous` allows; an empty tensor is contiguous, as in torch).
    var isContiguous: Bool {
        if shape.contains(0) { return true }
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            // The product of the sizes is checked at read time, so no prefix of it overflows.
            expected *= shape[d]
        }
        return true
    }

    /// fp32 data: a view into the map when the bytes already are aligned contiguous fp32,
    /// otherwise a new buffer of `count` floats (conversion and/or gather) that `owner` keeps
    /// alive. The readers' checks bound `count` by the elements the file holds.
    func floats(owner: TensorArena) -> UnsafeBufferPointer<Float> {
        let n = count
        if dtype == .f32, isContiguous, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: n)
        }
        let out = owner.allocate(count: n)
        guard n > 0, let dst = out.baseAddress else { return UnsafeBufferPointer(out) }
        if isContiguous {
            dtype.convert(base, count: n, stride: 1, into: dst)
            return UnsafeBufferPointer(out)
        }
        // Walk every index of the outer dims; the innermost dim is one strided run.
        let rank = shape.count
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank - 1)
        var written = 0
        while written < n {
            var offset = 0
            for d in 0..<(rank - 1) { offset += index[d] * strides[d] }
            dtype.convert(base + offset * dtype.size, count: inner, stride: innerStride, into: dst + written)
            written += inner
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return UnsafeBufferPointer(out)
    }
}

/// Owns the fp32 buffers made on demand (converted fp16/bf16, gathered strided tensors) and frees
/// them with the checkpoint.
/// Unchecked Sendable because it is used only under `Checkpoint`'s lock.
final class TensorArena: @unchecked Sendable {
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []

    func allocate(count: Int) -> UnsafeMutableBufferPointer<Float> {
        let b = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
        buffers.append(b)
        return UnsafeMutableBufferPointer(rebasing: b[0..<count])
    }

    deinit {
        for b in buffers { b.deallocate() }
    }
}

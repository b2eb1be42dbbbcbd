/// A storage a `pytorch_model.bin` names through a persistent id:
/// `('storage', torch.FloatStorage, '<key>', '<location>', numel)` -> `<archive>/data/<key>`.
struct TorchStorageRef: Equatable {
    var dtype: DType
    var key: String
    var numel: Int
}

/// What `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...)` would build.
struct TorchTensorRef {
    var storage: TorchStorageRef
    var storageOffset: Int
    var size: [Int]
    var stride: [Int]
}

/// A restricted unpickler for the `data.pkl` of a torch >= 1.6 state dict.
///
/// Python's pickle can call any importable function; this one never calls anything. It knows the
/// opcodes `torch.save` emits for a state dict (protocol 2, plus the protocol 4 framing opcodes)
/// and a fixed set of globals: `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
/// `torch._utils._rebuild_parameter` and the typed storage classes (`torch.FloatStorage`, ...).
/// Everything else, such as `os.system` or `torch.storage._load_from_bytes`, is an error naming it,
/// which is the same allow-list idea as `torch.load(weights_only=True)`.
struct TorchUnpickler {
    /// A pickled value. Containers are indices into the unpickler's flat tables, so no value owns
    /// another: a hostile pickle nesting a million tuples cannot overflow the stack when freed,
    /// and a dict that contains itself is no reference cycle.
    private enum Value {
        case none
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        case tuple(Int)
        case list(Int)
        case dict(Int)
        case global(Global)
        case storage(TorchStorageRef)
        case tensor(TorchTensorRef)

        var kind: String {
            switch self {
            case .none: return "None"
            case .bool: return "bool"
            case .int: return "int"
            case .float: return "float"
            case .string: return "str"
            case .tuple: return "tuple"
            case .list: return "list"
            case .dict: return "dict"
            case .global(let g): return g.name
            case .storage: return "storage"
            case .tensor: return "tensor"
            }
        }
    }

    private enum Global {
        case orderedDict, rebuildTensorV2, rebuildParameter
        case storageType(DType, String)

        var name: String {
            switch self {
            case .orderedDict: return "collections.OrderedDict"
            case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
            case .rebuildParameter: return "torch._utils._rebuild_parameter"
            case .storageType(_, let n): return "torch.\(n)"
            }
        }

        init?(module: String, name: String) {
            switch (module, name) {
            case ("collections", "OrderedDict"): self = .orderedDict
            case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
            case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
            case ("torch", _):
                let types: [String: DType] = [
                    "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
                    "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
                    "ByteStorage": .u8, "BoolStorage": .bool,
                ]
                guard let t = types[name] else { return nil }
                self = .storageType(t, name)
            default: return nil
            }
        }
    }

    private enum Failure: Error { case reason(String) }

    private let bytes: UnsafeRawBufferPointer
    private var pos = 0
    private var stack: [Value] = []
    private var marks: [Int] = []
    private var memo: [Int: Value] = [:]
    private var tuples: [[Value]] = []
    private var lists: [[Value]] = []
    private var dicts: [[(key: Value, value: Value)]] = []

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The state dict in `pickle`, in its saved order.
    ///
    /// - Throws: `CheckpointError.invalidFile(path, reason:)` naming the opcode, global or value
    ///   that a state dict cannot contain.
    static func stateDict(_ pickle: UnsafeRawBufferPointer, path: String) throws -> [(key: String, tensor: TorchTensorRef)] {
        var u = TorchUnpickler(pickle)
        do {
            let root = try u.run()
            guard case .dict(let dict) = root else {
                throw Failure.reason("pickle holds a \(root.kind), not a state dict")
            }
            return try u.dicts[dict].map { item in
                guard case .string(let key) = item.key else { throw Failure.reason("state dict has a \(item.key.kind) key") }
                guard case .tensor(let t) = item.value else {
                    throw Failure.reason("state dict entry \(key) is a \(item.value.kind), not a tensor")
                }
                return (key, t)
            }
        } catch Failure.reason(let r) {
            throw CheckpointError.invalidFile(path, reason: r)
        }
    }

    // MARK: - Reading

    private mutating func byte() throws -> UInt8 {
        guard pos < bytes.count else { throw Failure.reason("pickle ends early (truncated?)") }
        defer { pos += 1 }
        return bytes[pos]
    }

    private mutating func take(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= bytes.count - pos else { throw Failure.reason("pickle ends early (truncated?)") }
        defer { pos += n }
        return UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)])
    }

    private mutating func uint(_ n: Int) throws -> Int {
        let b = try take(n)
        var v = 0
        for i in stride(from: n - 1, through: 0, by: -1) { v = v << 8 | Int(b[i]) }
        return v
    }

    private mutating func line() throws -> String {
        guard let end = bytes[pos...].firstIndex(of: 0x0A) else { throw Failure.reason("pickle ends inside a GLOBAL name") }
        defer { pos = end + 1 }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }

    private mutating func string(_ n: Int) throws -> String {
        let b = try take(n)
        guard let s = String(validating: b, as: UTF8.self) else { throw Failure.reason("pickle string is not valid UTF-8") }
        return s
    }

    private mutating func pop() throws -> Value {
        guard let v = stack.popLast() else { throw Failure.reason("pickle stack underflow at byte \(pos)") }
        if let m = marks.last, stack.count < m { throw Failure.reason("pickle pops past a MARK at byte \(pos)") }
        return v
    }

    private mutating func popToMark() throws -> [Value] {
        guard let m = marks.popLast(), m <= stack.count else { throw Failure.reason("pickle has no MARK at byte \(pos)") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private mutating func resolveGlobal(module: String, name: String) throws -> Value {
        guard let g = Global(module: module, name: name) else {
            throw Failure.reason("pickle refers to \(module).\(name), which a state dict never needs; refusing to load it")
        }
        return .global(g)
    }

    // MARK: - The machine

    private mutating func run() throws -> Value {
        while true {
            let at = pos
            let op = try byte()
            switch op {
            case 0x80: // PROTO
                let v = try byte()
                guard v >= 2, v <= 5 else { throw Failure.reason("pickle protocol \(v) is not supported") }
            case 0x95: _ = try take(8) // FRAME: a length hint only
            case 0x2E: // STOP
                guard stack.count == 1, marks.isEmpty else { throw Failure.reason("pickle stops with \(stack.count) values on the stack") }
                return stack[0]
            case 0x28: marks.append(stack.count) // MARK
            case 0x7D: stack.append(newDict()) // EMPTY_DICT
            case 0x5D: // EMPTY_LIST
                lists.append([])
                stack.append(.list(lists.count - 1))
            case 0x29: stack.append(tuple([])) // EMPTY_TUPLE
            case 0x4E: stack.append(.none) // NONE
            case 0x88: stack.append(.bool(true)) // NEWTRUE
            case 0x89: stack.append(.bool(false)) // NEWFALSE
            case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4))))) // BININT
            case 0x4B: stack.append(.int(try uint(1))) // BININT1
            case 0x4D: stack.append(.int(try uint(2))) // BININT2
            case 0x8A: // LONG1: little-endian two's complement
                let n = Int(try byte())
                guard n <= 8 else { throw Failure.reason("pickle LONG1 of \(n) bytes is too large") }
                let b = try take(n)
                var v: UInt64 = 0
                for i in stride(from: n - 1, through: 0, by: -1) { v = v << 8 | UInt64(b[i]) }
                if n > 0, n < 8, b[n - 1] & 0x80 != 0 { v |= ~0 << UInt64(8 * n) }
                stack.append(.int(Int(Int64(bitPattern: v))))
            case 0x47: // BINFLOAT, big-endian
                let v = try take(8)
                var bits: UInt64 = 0
                for i in 0..<8 { bits = bits << 8 | UInt64(v[i]) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x58: stack.append(.string(try string(try uint(4)))) // BINUNICODE
            case 0x8C: stack.append(.string(try string(try uint(1)))) // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try string(try uint(8)))) // BINUNICODE8
            case 0x74: stack.append(tuple(try popToMark())) // TUPLE
            case 0x85: stack.append(tuple([try pop()])) // TUPLE1
            case 0x86: // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(tuple([a, b]))
            case 0x87: // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(tuple([a, b, c]))
            case 0x71: try put(try uint(1)) // BINPUT
            case 0x72: try put(try uint(4)) // LONG_BINPUT
            case 0x94: try put(memo.count) // MEMOIZE
            case 0x68: try get(try uint(1)) // BINGET
            case 0x6A: try get(try uint(4)) // LONG_BINGET
            case 0x63: // GLOBAL
                let module = try line()
                let name = try line()
                stack.append(try resolveGlobal(module: module, name: name))
            case 0x93: // STACK_GLOBAL
                guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
                    throw Failure.reason("pickle STACK_GLOBAL without module and name strings")
                }
                stack.append(try resolveGlobal(module: module, name: name))
            case 0x51: stack.append(try persistentLoad(try pop())) // BINPERSID
            case 0x52: // REDUCE
                let args = try pop()
                let callable = try pop()
                stack.append(try reduce(callable, args))
            case 0x62: // BUILD
                let state = try pop()
                guard let target = stack.last else { throw Failure.reason("pickle BUILD with an empty stack") }
                try build(target, state)
            case 0x73: // SETITEM
                let value = try pop(), key = try pop()
                dicts[try dict(at: stack.count - 1)].append((key, value))
            case 0x75: // SETITEMS
                let items = try popToMark()
                guard items.count % 2 == 0 else { throw Failure.reason("pickle SETITEMS with an odd number of values") }
                let d = try dict(at: stack.count - 1)
                for i in stride(from: 0, to: items.count, by: 2) { dicts[d].append((items[i], items[i + 1])) }
            case 0x61: // APPEND
                let v = try pop()
                lists[try list(at: stack.count - 1)].append(v)
            case 0x65: // APPENDS
                let items = try popToMark()
                lists[try list(at: stack.count - 1)].append(contentsOf: items)
            default:
                let printable = (0x21...0x7E).contains(op) ? " '\(Character(Unicode.Scalar(op)))'" : ""
                throw Failure.reason("pickle opcode 0x\(String(op, radix: 16))\(printable) at byte \(at) is not allowed in a state dict")
            }
        }
    }

    private mutating func put(_ index: Int) throws {
        guard let top = stack.last else { throw Failure.reason("pickle memoizes with an empty stack") }
        memo[index] = top
    }

    private mutating func get(_ index: Int) throws {
        guard let v = memo[index] else { throw Failure.reason("pickle reads memo \(index), which was never written") }
        stack.append(v)
    }

    private mutating func tuple(_ items: [Value]) -> Value {
        tuples.append(items)
        return .tuple(tuples.count - 1)
    }

    private mutating func newDict() -> Value {
        dicts.append([])
        return .dict(dicts.count - 1)
    }

    private func dict(at i: Int) throws -> Int {
        guard i >= 0, case .dict(let d) = stack[i] else { throw Failure.reason("pickle sets an item on something that is not a dict") }
        return d
    }

    private func list(at i: Int) throws -> Int {
        guard i >= 0, case .list(let l) = stack[i] else { throw Failure.reason("pickle appends to something that is not a list") }
        return l
    }

    /// `('storage', <storage type>, key, location, numel)`, as `torch.serialization` writes it.
    private func persistentLoad(_ pid: Value) throws -> Value {
        guard case .tuple(let index) = pid, case let t = tuples[index], t.count == 5, case .string("storage") = t[0] else {
            throw Failure.reason("pickle persistent id is not a ('storage', type, key, location, numel) tuple")
        }
        guard case .global(.storageType(let dtype, _)) = t[1] else {
            throw Failure.reason("pickle storage type \(t[1].kind) is not a torch storage class")
        }
        guard case .string(let key) = t[2], case .int(let numel) = t[4], numel >= 0 else {
            throw Failure.reason("pickle storage id has no key or element count")
        }
        return .storage(TorchStorageRef(dtype: dtype, key: key, numel: numel))
    }

    private mutating func reduce(_ callable: Value, _ args: Value) throws -> Value {
        guard case .global(let g) = callable else { throw Failure.reason("pickle calls a \(callable.kind)") }
        guard case .tuple(let index) = args else { throw Failure.reason("pickle calls \(g.name) without an argument tuple") }
        let a = tuples[index]
        switch g {
        case .orderedDict:
            guard a.isEmpty else { throw Failure.reason("pickle calls collections.OrderedDict with arguments") }
            return newDict()
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count == 6 || a.count == 7, case .storage(let s) = a[0], case .int(let offset) = a[1],
                  let size = ints(a[2]), let stride = ints(a[3]), size.count == stride.count
            else { throw Failure.reason("pickle calls torch._utils._rebuild_tensor_v2 with unexpected arguments") }
            return .tensor(TorchTensorRef(storage: s, storageOffset: offset, size: size, stride: stride))
        case .rebuildParameter:
            // (data, requires_grad, backward_hooks)
            guard a.count == 3, case .tensor = a[0] else {
                throw Failure.reason("pickle calls torch._utils._rebuild_parameter with unexpected arguments")
            }
            return a[0]
        case .storageType:
            throw Failure.reason("pickle calls \(g.name), which torch.save never does")
        }
    }

    /// `BUILD` sets attributes; the only ones a state dict has are `OrderedDict._metadata`
    /// (per-module version numbers), which change nothing here.
    private func build(_ target: Value, _ state: Value) throws {
        guard case .dict = target, case .dict = state else {
            throw Failure.reason("pickle sets state \(state.kind) on a \(target.kind)")
        }
    }

    private func ints(_ v: Value) -> [Int]? {
        guard case .tuple(let index) = v else { return nil }
        var out: [Int] = []
        for item in tuples[index] {
            guard case .int(let i) = item else { return nil }
            out.append(i)
        }
        return out
    }
}

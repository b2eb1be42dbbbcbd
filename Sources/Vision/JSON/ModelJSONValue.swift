/// One JSON value from a model directory's files, for the configs whose meaning depends on keys
/// and values chosen at run time (`generation_config.json` attributes, `size` that may be an int,
/// a list or an object).
///
/// Equality is structural; `pythonEquals` is the `==` transformers compares config values with.
public enum ModelJSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// A number without a fractional part that fits an `Int` (`3`, also `3.0`).
    case int(Int)
    case double(Double)
    case string(String)
    case array([ModelJSONValue])
    case object([String: ModelJSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int.self) { self = .int(n) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([ModelJSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: ModelJSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let n): try c.encode(n)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value as a `Double` if it is a number (`Int` or `Double`).
    public var number: Double? {
        switch self {
        case .int(let n): return Double(n)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Python's `==` on the values `json.load` makes: `True == 1 == 1.0`, `None` equal only to
    /// itself, lists and dicts element by element.
    public func pythonEquals(_ other: ModelJSONValue) -> Bool {
        func numeric(_ v: ModelJSONValue) -> Double? {
            if case .bool(let b) = v { return b ? 1 : 0 }
            return v.number
        }
        switch (self, other) {
        case (.null, .null): return true
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { k, v in b[k].map { v.pythonEquals($0) } ?? false }
        default:
            guard let a = numeric(self), let b = numeric(other) else { return false }
            return a == b
        }
    }

    /// The value as JSON text, cut to about 80 characters so an error message stays one line.
    public var description: String {
        let full = text
        return full.count <= 80 ? full : String(full.prefix(77)) + "..."
    }

    private var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let n): return String(n)
        case .double(let d): return String(d)
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\"\($0)\": \(o[$0]!.text)" }.joined(separator: ", ") + "}"
        }
    }
}

extension ModelJSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: ModelJSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, ModelJSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

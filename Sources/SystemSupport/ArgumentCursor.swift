/// A command line read one argument at a time.
///
/// Options are `-x`, `--name`, or `--name=value`; `-` alone is a positional argument (standard
/// input) and everything after `--` is positional. A value is the `=` part or the next argument.
/// Numbers are checked here, so a bad one is an error naming the option, never a silent 0:
///
///     var arguments = ArgumentCursor(CommandLine.arguments.dropFirst())
///     while let argument = try arguments.next() {
///         switch argument {
///         case .option("--beams"): beams = try arguments.int(in: 1...64)
///         case .positional(let path): images.append(path)
///         case .option(let other): throw ArgumentError.unknownOption(other)
///         }
///     }
public struct ArgumentCursor: Sendable {
    /// One argument as `next()` classifies it.
    public enum Argument: Equatable, Sendable {
        /// `-x` or `--name` (the `=value` part is held for `value()`).
        case option(String)
        case positional(String)
    }

    private var remaining: ArraySlice<String>
    private var afterDoubleDash = false
    /// The option `next()` returned last, for messages.
    public private(set) var option = ""
    private var inlineValue: String?

    public init<S: Sequence<String>>(_ arguments: S) {
        remaining = ArraySlice(Array(arguments))
    }

    /// The next argument, or nil at the end. Throws when the previous option was given an
    /// `=value` that it does not take.
    public mutating func next() throws(ArgumentError) -> Argument? {
        if let inlineValue { throw ArgumentError.unexpectedValue(option: option, value: inlineValue) }
        guard let argument = remaining.popFirst() else { return nil }
        if afterDoubleDash || argument == "-" || !argument.hasPrefix("-") { return .positional(argument) }
        if argument == "--" {
            afterDoubleDash = true
            return try next()
        }
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            option = String(argument[..<equals])
            inlineValue = String(argument[argument.index(after: equals)...])
        } else {
            option = argument
        }
        return .option(option)
    }

    /// The value of the option just returned: its `=value`, or the next argument.
    public mutating func value() throws(ArgumentError) -> String {
        if let v = inlineValue {
            inlineValue = nil
            return v
        }
        guard let v = remaining.popFirst() else { throw ArgumentError.missingValue(option: option) }
        return v
    }

    /// The option's value as a whole number within `range`.
    public mutating func int(in range: ClosedRange<Int> = Int.min...Int.max) throws(ArgumentError) -> Int {
        let text = try value()
        guard let n = Int(text) else { throw ArgumentError.notAWholeNumber(option: option, value: text) }
        guard range.contains(n) else { throw ArgumentError.outOfRange(option: option, value: text, range: ArgumentError.describe(range)) }
        return n
    }

    /// The option's value as a number (decimals allowed) within `range`.
    public mutating func double(in range: ClosedRange<Double>) throws(ArgumentError) -> Double {
        let text = try value()
        guard let x = Double(text), x.isFinite else { throw ArgumentError.notANumber(option: option, value: text) }
        guard range.contains(x) else { throw ArgumentError.outOfRange(option: option, value: text, range: ArgumentError.describe(range)) }
        return x
    }

    /// The option just returned as it was given, `=value` included, for a caller that collects
    /// options it does not know to hand them to a subcommand; its `=value` is then taken.
    public mutating func optionAsGiven() -> String {
        defer { inlineValue = nil }
        return inlineValue.map { "\(option)=\($0)" } ?? option
    }

    /// Everything not yet read, as given (for a subcommand that parses its own options).
    public mutating func rest() -> [String] {
        defer { remaining = [] }
        return Array(remaining)
    }
}

/// A command line that cannot be used; each case names the option and what was wrong.
public enum ArgumentError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingValue(option: String)
    case notAWholeNumber(option: String, value: String)
    case notANumber(option: String, value: String)
    /// `range` is already in words, e.g. `1...64` or `at least 1`.
    case outOfRange(option: String, value: String, range: String)
    case unknownOption(String)
    /// `--flag=value` for an option that takes no value.
    case unexpectedValue(option: String, value: String)
    /// A usage rule of the command itself, e.g. "--model and --image are required".
    case invalid(String)

    public var description: String {
        switch self {
        case .missingValue(let o): return "\(o) needs a value"
        case .notAWholeNumber(let o, let v): return "\(o): '\(v)' is not a whole number"
        case .notANumber(let o, let v): return "\(o): '\(v)' is not a number"
        case .outOfRange(let o, let v, let r): return "\(o): \(v) is out of range (\(r))"
        case .unknownOption(let o): return "unknown option '\(o)'"
        case .unexpectedValue(let o, let v): return "\(o) takes no value, but was given '\(v)'"
        case .invalid(let message): return message
        }
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == .max { return range.lowerBound == .min ? "any whole number" : "at least \(range.lowerBound)" }
        if range.lowerBound == .min { return "at most \(range.upperBound)" }
        return "\(range.lowerBound)...\(range.upperBound)"
    }

    static func describe(_ range: ClosedRange<Double>) -> String {
        if range.upperBound == .greatestFiniteMagnitude { return "at least \(short(range.lowerBound))" }
        return "\(short(range.lowerBound))...\(short(range.upperBound))"
    }

    private static func short(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
    }
}

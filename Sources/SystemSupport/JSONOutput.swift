import Foundation

/// The one way JSON is printed for people and scripts: an `Encodable` value as one line with
/// sorted keys and unescaped slashes, so output is stable and paths read as paths.
public enum JSONOutput {
    /// The value as one line of JSON, without the newline.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try data(value), as: UTF8.self)
    }

    /// The value as JSON bytes, one line, without the newline.
    public static func data<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// Writes the value as one line to standard output. A value that cannot be encoded (a
    /// non-finite number) is a programmer error and stops the process with its reason.
    public static func print<T: Encodable>(_ value: T, to output: FileHandle = .standardOutput) {
        do {
            output.write(try data(value) + Data("\n".utf8))
        } catch {
            preconditionFailure("JSON output of \(T.self) failed: \(error)")
        }
    }

    /// Rounds to `places` decimals for printing times and sizes (`12.345` rather than
    /// `12.345000000000001`).
    public static func rounded(_ x: Double, places: Int = 3) -> Double {
        let scale = pow(10, Double(places))
        return (x * scale).rounded() / scale
    }
}

import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// One line per event on stderr: `timestamp level label: key=value ... message`, the shape
/// swift-log's stream handler uses, so journald and grep both read it.
final class Log: Sendable {
    enum Level: Int, Comparable, CaseIterable {
        case debug, info, warning, error

        var name: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warning: return "warning"
            case .error: return "error"
            }
        }

        init?(name: String) {
            guard let l = Level.allCases.first(where: { $0.name == name || (name == "warn" && $0 == .warning) }) else {
                return nil
            }
            self = l
        }

        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    static let shared = Log()

    private let minimum = Locked(Level.info)
    /// Standard error's descriptor; held while a line is written, so lines never interleave.
    private let output = Locked<Int32>(2)

    var level: Level {
        get { minimum.withLock { $0 } }
        set { minimum.withLock { $0 = newValue } }
    }

    /// Writes one line. Field values with spaces, quotes or `=` are quoted so lines stay parseable.
    func log(_ level: Level, _ label: String, _ message: String, _ fields: KeyValuePairs<String, Any?> = [:]) {
        guard level >= self.level else { return }
        var line = Log.timestamp() + " " + level.name + " " + label + ":"
        for (k, v) in fields {
            guard let v else { continue }
            line += " \(k)=" + Log.quote("\(v)")
        }
        line += " " + message.replacingOccurrences(of: "\n", with: " ") + "\n"
        // A log line that cannot be written (stderr closed) has nowhere else to go.
        output.withLock { fd in try? Descriptor.writeAll(fd, Data(line.utf8)) }
    }

    /// `s` as one field value: bare when it is plain, otherwise in double quotes with `\\`, `"`,
    /// `\n`, `\r`, `\t` and every other control character (ESC, DEL, C1, line and paragraph
    /// separators) escaped, so a photo's name or a peer's input can neither forge a log line nor
    /// drive the terminal that shows it.
    static func quote(_ s: String) -> String {
        let needs = s.isEmpty || s.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || isControl($0) }
        guard needs else { return s }
        var escaped = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where isControl(scalar):
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "\"\(escaped)\""
    }

    /// C0, DEL, C1 and the Unicode line and paragraph separators: characters a terminal or a
    /// log reader acts on instead of showing.
    private static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }

    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec, Int(ts.tv_nsec / 1_000_000))
    }
}

func logDebug(_ label: String, _ message: String, _ fields: KeyValuePairs<String, Any?> = [:]) {
    Log.shared.log(.debug, label, message, fields)
}
func logInfo(_ label: String, _ message: String, _ fields: KeyValuePairs<String, Any?> = [:]) {
    Log.shared.log(.info, label, message, fields)
}
func logWarning(_ label: String, _ message: String, _ fields: KeyValuePairs<String, Any?> = [:]) {
    Log.shared.log(.warning, label, message, fields)
}
func logError(_ label: String, _ message: String, _ fields: KeyValuePairs<String, Any?> = [:]) {
    Log.shared.log(.error, label, message, fields)
}

import Foundation

/// The camera program and its arguments, with `{out}` where the photo's path goes. Run as an
/// argument vector: no shell, so a path with spaces or quotes is passed as it is.
public struct CaptureCommand: Sendable, Equatable, CustomStringConvertible {
    /// The placeholder replaced by the output path, in any argument (`--save={out}` works too).
    public static let outPlaceholder = "{out}"

    /// What `find` tries, in order, when no `capture_command` is set.
    public static let knownPrograms: [(program: String, arguments: [String])] = [
        ("rpicam-still", ["-n", "-t", "1", "-o", outPlaceholder]),
        ("libcamera-still", ["-n", "-t", "1", "-o", outPlaceholder]),
        ("fswebcam", ["--no-banner", "-q", outPlaceholder]),
    ]

    /// Program first. A program without a `/` is looked up on PATH when it runs.
    public let arguments: [String]

    public init(arguments: [String]) throws(CaptureCommandError) {
        guard let program = arguments.first, !program.isEmpty else { throw .empty }
        guard arguments.dropFirst().contains(where: { $0.contains(CaptureCommand.outPlaceholder) }) else {
            throw .noOutPlaceholder(arguments.joined(separator: " "))
        }
        self.arguments = arguments
    }

    /// Parses `capture_command`: words separated by spaces; '…' and "…" quote a word with spaces
    /// in it, and a backslash takes the next character as it is.
    public init(parsing text: String) throws(CaptureCommandError) {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped {
                word.append(c)
                escaped = false
            } else if c == "\\" && quote != "'" {
                escaped = true
                inWord = true
            } else if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if quote != nil || escaped { throw .unterminatedQuote(text) }
        if inWord { words.append(word) }
        try self.init(arguments: words)
    }

    /// The program's name as said in errors (`rpicam-still`).
    public var program: String { (arguments[0] as NSString).lastPathComponent }

    /// The argument vector for one photo at `path`.
    public func arguments(out path: String) -> [String] {
        [arguments[0]] + arguments.dropFirst().map { $0.replacingOccurrences(of: CaptureCommand.outPlaceholder, with: path) }
    }

    /// The first of `knownPrograms` on `searchPath` (a PATH value), or nil.
    public static func find(searchPath: String) -> CaptureCommand? {
        for known in knownPrograms where executable(known.program, searchPath: searchPath) != nil {
            return try? CaptureCommand(arguments: [known.program] + known.arguments)
        }
        return nil
    }

    /// `program`'s path: itself if it has a `/`, else the first executable on `searchPath`.
    public static func executable(_ program: String, searchPath: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = dir + "/" + program
            var st = stat()
            if stat(candidate, &st) == 0, st.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    public var description: String { arguments.joined(separator: " ") }
}

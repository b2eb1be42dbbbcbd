import Foundation
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Shows `InstallEvent`s on an output handle chosen by the caller (usually standard error).
///
/// On a terminal: one line redrawn in place at most ten times a second, with the file, a bar,
/// percent of all bytes, bytes done and total, and the transfer rate over the last few seconds.
/// Elsewhere (a log, a pipe, a screen reader's capture): a plain line when a file starts, then
/// at most one line every `plainInterval` seconds, so the output stays short and readable.
public final class ProgressPrinter: Sendable {
    private let state: Locked<State>

    /// - Parameters:
    ///   - isTerminal: defaults to `isatty` on the handle's descriptor.
    ///   - width: columns of the terminal line.
    public init(output: FileHandle, isTerminal: Bool? = nil, width: Int = 79, plainInterval: TimeInterval = 10) {
        state = Locked(State(output: output, isTerminal: isTerminal ?? (isatty(output.fileDescriptor) == 1),
                            width: max(40, width), plainInterval: plainInterval))
    }

    /// Pass this as `install`'s `progress` closure.
    public func handle(_ event: InstallEvent) {
        state.withLock { $0.show(event) }
    }

    /// Ends an open progress line (call after `install` returns or throws).
    public func finish() {
        state.withLock { s in
            if s.lineOpen {
                s.write("\n")
                s.lineOpen = false
            }
        }
    }

    /// The output and what has been shown on it; events may come from the download's callback
    /// queue while another thread calls `finish`.
    private struct State {
        let output: FileHandle
        let isTerminal: Bool
        let width: Int
        let plainInterval: TimeInterval
        var totalBytes: Int64 = 0
        var fileBytes: [String: Int64] = [:]
        var lastDraw = Date.distantPast
        var lastPlain = Date.distantPast
        var samples: [(time: Date, bytes: Int64)] = []
        var lineOpen = false

        mutating func show(_ event: InstallEvent) {
            switch event {
            case .resolved(let repo, let commit, let files):
                totalBytes = files.reduce(0) { $0 + $1.size }
                for file in files { fileBytes[file.name] = file.present }
                let present = files.reduce(Int64(0)) { $0 + $1.present }
                var line = "\(repo) at \(commit.prefix(12)): \(files.count) files, \(ByteCount.format(totalBytes))"
                if present > 0 { line += " (\(ByteCount.format(present)) already here)" }
                emitLine(line)
            case .downloading(let file, let offset, let size):
                fileBytes[file] = offset
                if !isTerminal {
                    emitLine(offset > 0
                             ? "\(file): resuming at \(ByteCount.format(offset)) of \(ByteCount.format(size))"
                             : "\(file): downloading \(ByteCount.format(size))")
                    lastPlain = Date()
                }
            case .progress(let file, let bytes, let size):
                fileBytes[file] = bytes
                record(Date())
                if isTerminal {
                    if Date().timeIntervalSince(lastDraw) >= 0.1 || bytes == size { draw(file: file) }
                } else if Date().timeIntervalSince(lastPlain) >= plainInterval {
                    emitLine("\(file): \(ByteCount.format(bytes)) of \(ByteCount.format(size)) (\(percent(bytes, size))%)\(rateText())")
                    lastPlain = Date()
                }
            case .verified(let file):
                if !isTerminal { emitLine("\(file): verified") }
            case .retrying(let file, let attempt, let delay, let reason):
                emitLine("\(file): \(reason); retry \(attempt) in \(Int(delay.rounded(.up))) s")
            case .note(let text):
                emitLine(text)
            }
        }

        mutating func draw(file: String) {
            lastDraw = Date()
            let done = fileBytes.values.reduce(0, +)
            let total = max(totalBytes, done)
            let pct = percent(done, total)
            let numbers = " \(pct)% \(ByteCount.format(done))/\(ByteCount.format(total))\(rateText())"
            let barWidth = 20
            let filled = total > 0 ? Int(Double(barWidth) * Double(done) / Double(total)) : 0
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
            let room = max(8, width - bar.count - numbers.count - 1)
            let name = file.count > room ? "…" + file.suffix(room - 1) : file.padding(toLength: room, withPad: " ", startingAt: 0)
            // \r returns to the line start; \u{1B}[K clears what a longer previous line left.
            write("\r\(name) \(bar)\(numbers)\u{1B}[K")
            lineOpen = true
        }

        mutating func emitLine(_ text: String) {
            if lineOpen { write("\n"); lineOpen = false }
            write(text + "\n")
        }

        mutating func record(_ now: Date) {
            samples.append((now, fileBytes.values.reduce(0, +)))
            while let first = samples.first, now.timeIntervalSince(first.time) > 5, samples.count > 2 { samples.removeFirst() }
        }

        func rateText() -> String {
            guard let first = samples.first, let last = samples.last else { return "" }
            let seconds = last.time.timeIntervalSince(first.time)
            guard seconds >= 0.25 else { return "" }
            return " \(ByteCount.format(Int64(Double(last.bytes - first.bytes) / seconds)))/s"
        }

        func percent(_ done: Int64, _ total: Int64) -> Int {
            total > 0 ? Int(min(100, (100 * Double(done) / Double(total)).rounded(.down))) : 0
        }

        func write(_ text: String) {
            output.write(Data(text.utf8))
        }
    }
}

import Foundation
import TestSupport
import XCTest
import Glibc

/// Machinery for the fault tests: root-only system changes that are always undone, and readings
/// of the daemon's process from /proc.
enum FaultSupport {
    /// Skips the calling test unless it runs as root (CI does); `why` names what needs root.
    static func requireRoot(_ why: String) throws {
        if geteuid() != 0 { throw XCTSkip("needs root to \(why); run the tests as root (CI does)") }
    }

    /// A tiny valid JPEG (8x8): cheap to describe, so thousands of copies are a burst, not a load.
    static var tinyJPEG: Data {
        get throws { try Data(contentsOf: DaemonHarness.fixtures.appendingPathComponent("images/jpeg-tiny-8x8.jpg")) }
    }

    /// Writes `value` to a /proc/sys file and returns the old value, for `restore`.
    static func setSysctl(_ path: String, _ value: String) throws -> String {
        let old = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try writeSysctl(path, value)
        return old
    }

    static func writeSysctl(_ path: String, _ value: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw NSError(domain: "open \(path)", code: Int(errno)) }
        defer { close(fd) }
        let bytes = Array((value + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw NSError(domain: "write \(path)", code: Int(errno)) }
    }

    /// Mounts a tmpfs of `bytes` at `path` (created if missing).
    static func mountTmpfs(at path: String, bytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let r = run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(bytes),mode=0700", "tmpfs", path])
        guard r.status == 0 else { throw NSError(domain: "mount tmpfs at \(path): \(r.output)", code: Int(r.status)) }
    }

    /// Unmounts, lazily if something still holds it, so a failed test never leaves a mount behind.
    static func unmount(_ path: String) {
        if run("/bin/umount", [path]).status != 0 { _ = run("/bin/umount", ["-l", path]) }
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        do { try p.run() } catch { return (-1, "\(error)") }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    /// Resident memory of `pid` in KiB (VmRSS of /proc/PID/status).
    static func rssKiB(_ pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// User plus system CPU time of `pid` so far, in clock ticks (fields 14 and 15 of
    /// /proc/PID/stat), with that of its reaped children (16 and 17) if asked.
    static func cpuTicks(_ pid: pid_t, includeReapedChildren: Bool = false) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name start at field 3 (state): field n is at index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let u = Int(fields[11]), let s = Int(fields[12]),
              let cu = Int(fields[13]), let cs = Int(fields[14]) else { return nil }
        return u + s + (includeReapedChildren ? cu + cs : 0)
    }

    /// Paths the process has open (targets of /proc/PID/fd/*).
    static func openFiles(_ pid: pid_t) -> [String] {
        let dir = "/proc/\(pid)/fd"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/" + $0) }
    }

    /// `assistd speech-worker` processes of this build whose parent is not `parent`: workers
    /// a killed daemon left behind.
    static func strayWorkers(parent: pid_t) -> [pid_t] {
        let assistd = URL(fileURLWithPath: DaemonHarness.assistd).resolvingSymlinksInPath().path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), pid != parent,
                  (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(name)/exe")) == assistd,
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"),
                  String(decoding: cmdline, as: UTF8.self).contains("speech-worker"),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) != parent ? pid : nil
        }
    }

    /// Journal records grouped by path: (claimed, finished) counts.
    static func tally(_ records: [DaemonHarness.Record]) -> [String: (claimed: Int, finished: Int)] {
        var t: [String: (claimed: Int, finished: Int)] = [:]
        for r in records {
            var e = t[r.path] ?? (0, 0)
            if r.state == "claimed" { e.claimed += 1 } else { e.finished += 1 }
            t[r.path] = e
        }
        return t
    }
}

/// Headers of images far larger than any limit: a JPEG and a PNG claiming `width` x `height`,
/// valid up to the point where the pixels would start.
enum HugeHeader {
    /// A real small JPEG with the size in its frame header (SOF0/SOF2) changed: every table and
    /// the scan header are there, so a decoder gets as far as the size before it must refuse.
    static func jpeg(width: Int, height: Int) throws -> Data {
        var d = [UInt8](try FaultSupport.tinyJPEG)
        var i = 2
        // Walk the marker segments (bounded by the file) to the frame header.
        while i + 9 < d.count, d[i] == 0xFF {
            let marker = d[i + 1]
            let length = Int(d[i + 2]) << 8 | Int(d[i + 3])
            if marker == 0xC0 || marker == 0xC2 {
                d[i + 5] = UInt8(height >> 8); d[i + 6] = UInt8(height & 0xFF)
                d[i + 7] = UInt8(width >> 8); d[i + 8] = UInt8(width & 0xFF)
                return Data(d)
            }
            i += 2 + length
        }
        throw NSError(domain: "no SOF0/SOF2 in the tiny fixture JPEG", code: 0)
    }

    static func png(width: Int, height: Int) -> Data {
        var d: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = Array("IHDR".utf8)
        ihdr += bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0]
        d += bigEndian(13) + ihdr + bigEndian(CRC32.checksum(ihdr))
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78, 0x9C, 0x01, 0x00, 0x00, 0xFF, 0xFF]
        d += bigEndian(UInt32(idat.count - 4)) + idat + bigEndian(CRC32.checksum(idat))
        return Data(d)
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
}

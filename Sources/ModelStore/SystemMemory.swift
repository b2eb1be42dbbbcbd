import Foundation

/// The machine's memory as the kernel reports it in `/proc/meminfo`: what decides the int8 copy
/// on a small device (`MemTotal`) and whether a model can be loaded now (`MemAvailable`).
///
/// `ASSIST_MEMINFO=FILE` reads another file in the same format instead. The tests use it to
/// play a 1 GB device on a larger machine, and it is the way to tell assist the real limit in a
/// container whose `/proc/meminfo` shows the host's memory. Either way the same parser and the
/// same thresholds apply.
public struct SystemMemory: Sendable, Equatable {
    /// `MemTotal`, in bytes.
    public var total: Int64
    /// `MemAvailable`, in bytes: what can be allocated without swapping (kernel 3.14 and later).
    public var available: Int64

    /// Devices with less memory than this get the int8 copy by default (`assist model install`).
    public static let smallDeviceLimit: Int64 = 2 * 1024 * 1024 * 1024

    /// The environment variable that names another meminfo file.
    public static let overrideVariable = "ASSIST_MEMINFO"

    public init(total: Int64, available: Int64) {
        self.total = total
        self.available = available
    }

    /// The file this process reads: `ASSIST_MEMINFO` when set, else `/proc/meminfo`.
    public static func sourcePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment[overrideVariable], !path.isEmpty { return path }
        return "/proc/meminfo"
    }

    /// The memory now, or nil when the file cannot be read or lacks `MemTotal` (a kernel without
    /// `MemAvailable` counts `MemFree` as available).
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> SystemMemory? {
        guard let text = try? String(contentsOfFile: sourcePath(environment: environment), encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// Reads `Key:   N kB` lines; other lines and units are ignored.
    public static func parse(_ text: String) -> SystemMemory? {
        var values: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let fields = line[line.index(after: colon)...].split(separator: " ", omittingEmptySubsequences: true)
            guard let number = fields.first.flatMap({ Int64($0) }), number >= 0 else { continue }
            let unit = fields.count > 1 ? fields[1].lowercased() : ""
            let (bytes, overflow) = number.multipliedReportingOverflow(by: unit == "kb" ? 1024 : 1)
            values[key] = overflow ? Int64.max : bytes
        }
        guard let total = values["MemTotal"] else { return nil }
        return SystemMemory(total: total, available: values["MemAvailable"] ?? values["MemFree"] ?? total)
    }

    /// True below `smallDeviceLimit`: a Raspberry Pi with 1 or 2 GB (which reports a little
    /// less than 2 GiB), not a desktop.
    public var isSmallDevice: Bool { total < Self.smallDeviceLimit }
}

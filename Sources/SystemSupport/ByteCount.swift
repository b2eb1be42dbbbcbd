import Foundation

/// Byte counts for people: decimal units, like the hub's web pages (`1.23 MB`, `412 kB`).
public enum ByteCount {
    /// Three significant digits from 1 kB up; whole bytes below.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let magnitude = abs(value)
        return String(format: magnitude < 10 ? "%.2f" : (magnitude < 100 ? "%.1f" : "%.0f"), value) + " " + units[unit]
    }
}

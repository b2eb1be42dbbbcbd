import Foundation

/// The sentences about light, in one place so that they can move to the message catalogue.
public enum LightPhrases {
    /// "Bright light, upper left.", "Dim light, evenly spread.", "Dark."
    public static func sentence(_ report: LightReport) -> String {
        guard report.level != .dark else { return "Dark." }
        guard let where_ = report.brightest else { return "\(report.level.words), evenly spread." }
        return "\(report.level.words), \(where_ == .middle ? "in the middle" : where_.words)."
    }
}

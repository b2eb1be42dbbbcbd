import Foundation

/// The sentences about colour, in one place so that they can move to the message catalogue.
public enum ColourPhrases {
    public static let tooDark = "It is too dark to tell the colour. Turn on a light and try again."

    public static func sentence(_ report: ColourReport) -> String {
        if report.tooDark || report.colours.isEmpty { return tooDark }
        let names = report.colours.map(\.name)
        let main = names[0].prefix(1).uppercased() + names[0].dropFirst()
        switch names.count {
        case 1:
            return main + "."
        case 2:
            // A second colour covering under a third of the middle is "some"; more is "and".
            return report.colours[1].share < 0.34 ? "\(main), with some \(names[1])." : "\(main) and \(names[1])."
        default:
            return report.colours[1].share < 0.34
                ? "\(main), with some \(names[1]) and \(names[2])."
                : "\(main), \(names[1]) and \(names[2])."
        }
    }
}

import Foundation

/// The sentences about documents, in one place so that they can move to the message catalogue.
public enum DocumentPhrases {
    /// "A page of about 300 words in two columns; the right edge is cut off."
    public static func summary(_ layout: DocumentLayout) -> String {
        guard layout.wordCount > 0 else { return "I could not find text on this page." }
        let numbers = ["no", "one", "two", "three", "four", "five", "six"]
        let columns = layout.columnCount < numbers.count ? numbers[layout.columnCount] : String(layout.columnCount)
        var out = "A page of \(approximately(layout.wordCount)) in \(columns) column\(layout.columnCount == 1 ? "" : "s")"
        if !layout.cutEdges.isEmpty {
            let names = layout.cutEdges.map(\.rawValue)
            let list = names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names.last!
            out += "; the \(list) edge\(names.count == 1 ? " is" : "s are") cut off"
        }
        return out + "."
    }

    /// "12 words", "about 40 words", "about 300 words".
    public static func approximately(_ n: Int) -> String {
        if n == 1 { return "1 word" }
        if n < 20 { return "\(n) words" }
        let step = n < 200 ? 10 : 50
        return "about \((n + step / 2) / step * step) words"
    }
}

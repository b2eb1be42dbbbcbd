import Foundation

/// The layout of a page read by `TextReader`: how many words, how many columns, which edges of
/// the page the photo cuts off, and the lines in reading order.
///
/// - Columns: the x-extent of every line is laid on the page; a gap that at most
///   `maxBridgingShare` of the lines cross, at least `minGapFraction` of the text's width, splits
///   the text. A side counts as a column only when its lines average at least
///   `minWordsPerLine` words and it is at least `minColumnFraction` of the text's width, so a
///   receipt's right-aligned prices stay with their items.
/// - Reading order: lines that cross a column gap (headings) cut the page into bands; within a
///   band, columns left to right, each top to bottom.
/// - A photo read turned 180 degrees is judged as the page reads (its left edge is the page's right).
/// - Cut-off edges: a line Tesseract saw (kept or not) whose box comes within `borderMargin`
///   of the frame shows that the page goes on past that edge: one line for the top and bottom,
///   two for the sides (a side cut crosses many lines).
public struct DocumentLayout: Codable, Sendable, Equatable {
    public var wordCount: Int
    public var columnCount: Int
    public var cutEdges: [FrameEdge]
    /// Indexes into `ReadResult.lines`, in reading order.
    public var order: [Int]
    /// For each entry of `order`, the column it belongs to (0 = leftmost; full-width lines 0).
    public var columns: [Int]
    /// The text, paragraphs and sentences in reading order.
    public var document: TextDocument

    /// The one-sentence summary spoken before the text.
    public var summary: String { DocumentPhrases.summary(self) }

    public struct Options: Sendable, Equatable {
        public var maxBridgingShare = 0.08
        public var minGapFraction = 0.03
        public var minWordsPerLine = 2.5
        public var minColumnFraction = 0.2
        /// Pixels, or this fraction of the shorter side if larger.
        public var borderMargin = 3
        public var borderMarginFraction = 0.004
        /// A row narrower than this fraction of its column's widest row ends its paragraph.
        public var shortRowFraction = 0.6
        /// Ink pixels in the outermost 2-pixel strip beside the text, as a fraction of the strip,
        /// that show letters cut by the frame.
        public var minBorderInk = 0.01

        public init() {}
    }

    public init(wordCount: Int, columnCount: Int, cutEdges: [FrameEdge], order: [Int], columns: [Int], document: TextDocument) {
        self.wordCount = wordCount
        self.columnCount = columnCount
        self.cutEdges = cutEdges
        self.order = order
        self.columns = columns
        self.document = document
    }

    /// The layout of `reading`; with the photo it was read from, a page edge is also seen as
    /// cut off when ink touches that border of the frame beside the text.
    public static func analyze(_ reading: ReadResult, image: PixelImage? = nil, options: Options = Options()) -> DocumentLayout {
        // Layout is judged on the page as it reads: a photo read turned 180 degrees has its boxes
        // (in photo pixels) mirrored back, and the photo's left edge is the page's right.
        let turned = reading.rotation == 180 && reading.width > 0 && reading.height > 0
        func upright(_ b: ImageRect) -> ImageRect {
            turned ? ImageRect(x: reading.width - b.maxX, y: reading.height - b.maxY, width: b.width, height: b.height) : b
        }
        func pageEdge(_ e: FrameEdge) -> FrameEdge {
            guard turned else { return e }
            switch e {
            case .left: return .right
            case .right: return .left
            case .top: return .bottom
            case .bottom: return .top
            }
        }
        // Line boxes from the kept words.
        var boxes = [ImageRect?](repeating: nil, count: reading.lines.count)
        var wordsPerLine = [Int](repeating: 0, count: reading.lines.count)
        var paragraphOf = [Int](repeating: 0, count: reading.lines.count)
        for word in reading.words where word.line < boxes.count {
            let b = upright(word.box)
            if let old = boxes[word.line] {
                let x0 = min(old.x, b.x), y0 = min(old.y, b.y)
                boxes[word.line] = ImageRect(x: x0, y: y0, width: max(old.maxX, b.maxX) - x0, height: max(old.maxY, b.maxY) - y0)
            } else {
                boxes[word.line] = b
                paragraphOf[word.line] = word.paragraph
            }
            wordsPerLine[word.line] += 1
        }
        let placed = boxes.indices.filter { boxes[$0] != nil }
        // Lines with a gap between words wider than 3 line heights: a table's or a receipt's row.
        var wideGap = [Bool](repeating: false, count: reading.lines.count)
        for (line, words) in Dictionary(grouping: reading.words, by: \.line) where line < wideGap.count {
            let sortedWords = words.sorted { $0.box.x < $1.box.x }
            let height = sortedWords.map(\.box.height).max() ?? 0
            for (a, b) in zip(sortedWords, sortedWords.dropFirst()) where b.box.x - a.box.maxX > 3 * height {
                wideGap[line] = true
            }
        }
        let wordCount = reading.lines.reduce(0) { $0 + $1.text.split(separator: " ").count }
        var cut = cutEdges(reading, options: options).map(pageEdge)
        guard !placed.isEmpty else {
            let order = Array(reading.lines.indices)
            return DocumentLayout(wordCount: wordCount, columnCount: reading.lines.isEmpty ? 0 : 1, cutEdges: cut, order: order,
                                  columns: order.map { _ in 0 },
                                  document: TextDocument(lines: reading.lines.map(\.text), paragraphs: order.map { _ in 0 }))
        }
        let left = placed.map { boxes[$0]!.x }.min()!, right = placed.map { boxes[$0]!.maxX }.max()!
        if let image {
            let top = placed.map { boxes[$0]!.y }.min()!, bottom = placed.map { boxes[$0]!.maxY }.max()!
            // The text's extent in photo pixels.
            let textX = turned ? (reading.width - right)..<(reading.width - left) : left..<right
            let textY = turned ? (reading.height - bottom)..<(reading.height - top) : top..<bottom
            let inked = inkAtBorders(image, inverted: reading.inverted, textX: textX, textY: textY,
                                     minInk: options.minBorderInk).map(pageEdge)
            cut = FrameEdge.allCases.filter { cut.contains($0) || inked.contains($0) }
        }
        let width = max(1, right - left)
        // Coverage of each x by lines.
        var coverage = [Int](repeating: 0, count: width + 1)
        for i in placed {
            let b = boxes[i]!
            for x in (b.x - left)..<min(width + 1, b.maxX - left) { coverage[x] += 1 }
        }
        let bridging = max(0, Int(Double(placed.count) * options.maxBridgingShare))
        var gaps: [(Int, Int)] = []
        var x = 0
        while x <= width {
            if coverage[x] <= bridging {
                let start = x
                while x <= width && coverage[x] <= bridging { x += 1 }
                if x - start >= max(2, Int(options.minGapFraction * Double(width))), start > 0, x <= width {
                    gaps.append((start + left, x + left))
                }
            } else {
                x += 1
            }
        }
        // Boundaries between columns; drop gaps whose sides are not real columns.
        func columnOf(_ b: ImageRect, _ cuts: [Int]) -> Int? {
            let centre = b.x + b.width / 2
            let index = cuts.filter { centre >= $0 }.count
            // A line that crosses a cut is full width.
            for c in cuts where b.x < c - 1 && b.maxX > c + 1 { return nil }
            return index
        }
        var cuts = gaps.map { ($0.0 + $0.1) / 2 }
        while !cuts.isEmpty {
            let edges = [left] + cuts + [right]
            var weak: Int?
            for k in 0..<(cuts.count + 1) {
                let members = placed.filter { columnOf(boxes[$0]!, cuts) == k }
                let words = members.reduce(0) { $0 + wordsPerLine[$1] }
                let share = Double(edges[k + 1] - edges[k]) / Double(width)
                if members.isEmpty || Double(words) / Double(members.count) < options.minWordsPerLine || share < options.minColumnFraction {
                    weak = k
                    break
                }
            }
            guard let k = weak else { break }
            // Merge the weak column with its neighbour by removing the cut beside it.
            cuts.remove(at: min(k, cuts.count - 1))
        }
        // Reading order: bands between full-width lines, columns left to right within a band;
        // in a column, lines side by side (a receipt's item and price) make one row, left first.
        let sorted = placed.sorted { boxes[$0]!.y < boxes[$1]!.y }
        var rows: [(lines: [Int], column: Int)] = []
        var band: [Int] = []
        func flush() {
            let byColumn = Dictionary(grouping: band) { columnOf(boxes[$0]!, cuts) ?? 0 }
            for k in byColumn.keys.sorted() {
                var row: [Int] = []
                for i in byColumn[k]!.sorted(by: { boxes[$0]!.y < boxes[$1]!.y }) {
                    if let first = row.first {
                        let a = boxes[first]!, b = boxes[i]!
                        let overlap = min(a.maxY, b.maxY) - max(a.y, b.y)
                        if overlap * 2 < min(a.height, b.height) {
                            rows.append((row.sorted { boxes[$0]!.x < boxes[$1]!.x }, k))
                            row = []
                        }
                    }
                    row.append(i)
                }
                if !row.isEmpty { rows.append((row.sorted { boxes[$0]!.x < boxes[$1]!.x }, k)) }
            }
            band = []
        }
        for i in sorted {
            if columnOf(boxes[i]!, cuts) == nil {
                flush()
                rows.append(([i], 0))
            } else {
                band.append(i)
            }
        }
        flush()
        // Lines without boxes (never from a reader) go last, as read.
        for i in reading.lines.indices where boxes[i] == nil { rows.append(([i], 0)) }
        let order = rows.flatMap(\.lines)
        let columnList = rows.flatMap { row in row.lines.map { _ in row.column } }
        // Paragraphs: Tesseract's; a new one at each change of column; and after a row much
        // shorter than its column's widest, which ends a paragraph of prose and is each entry
        // of a list. A row of pieces side by side, or with a wide gap inside (a receipt's item
        // and price), is an entry of its own.
        func rowWidth(_ row: [Int]) -> Int {
            row.compactMap { boxes[$0] }.reduce(0) { $0 + $1.width }
        }
        var widest: [Int: Int] = [:]
        for row in rows { widest[row.column] = max(widest[row.column] ?? 0, rowWidth(row.lines)) }
        var paragraphs: [Int] = [], current = -1
        var previous: (paragraph: Int, column: Int, short: Bool)?
        for row in rows {
            let p = paragraphOf[row.lines[0]]
            let entry = row.lines.count > 1 || row.lines.contains { wideGap[$0] }
            if previous == nil || previous!.paragraph != p || previous!.column != row.column || previous!.short || entry { current += 1 }
            let short = entry || Double(rowWidth(row.lines)) < options.shortRowFraction * Double(widest[row.column] ?? 1)
            previous = (p, row.column, short)
            paragraphs.append(current)
        }
        let rowTexts = rows.map { $0.lines.map { reading.lines[$0].text }.joined(separator: " ") }
        let document = TextDocument(lines: rowTexts, paragraphs: paragraphs)
        return DocumentLayout(wordCount: wordCount, columnCount: cuts.count + 1, cutEdges: cut, order: order,
                              columns: columnList, document: document)
    }

    /// Edges where the frame's outermost 2 pixels, beside the text, hold ink: letters cut in
    /// half that Tesseract could not read. Ink is darker (lighter, for inverted text) than the
    /// strip's own median by a third of the page's contrast.
    static func inkAtBorders(_ image: PixelImage, inverted: Bool, textX: Range<Int>, textY: Range<Int>,
                             minInk: Double = 0.01) -> [FrameEdge] {
        let w = image.width, h = image.height
        let luma = image.luminance()
        var histogram = [Int](repeating: 0, count: 256)
        for v in luma { histogram[Int(v)] += 1 }
        func percentile(_ q: Double) -> Int {
            var seen = 0
            for (v, c) in histogram.enumerated() {
                seen += c
                if Double(seen) >= q * Double(luma.count) { return v }
            }
            return 255
        }
        let paper = inverted ? percentile(0.1) : percentile(0.9), ink = inverted ? percentile(0.99) : percentile(0.01)
        let threshold = paper + (ink - paper) / 3
        func isInk(_ x: Int, _ y: Int) -> Bool {
            let v = Int(luma[y * w + x])
            return inverted ? v >= threshold && ink > paper : v <= threshold && ink < paper
        }
        func fraction(_ points: [(Int, Int)]) -> Double {
            points.isEmpty ? 0 : Double(points.filter { isInk($0.0, $0.1) }.count) / Double(points.count)
        }
        let xs = Array(max(0, textX.lowerBound)..<min(w, textX.upperBound))
        let ys = Array(max(0, textY.lowerBound)..<min(h, textY.upperBound))
        var out: [FrameEdge] = []
        if fraction(ys.flatMap { y in [(0, y), (1, y)] }) >= minInk { out.append(.left) }
        if fraction(ys.flatMap { y in [(w - 1, y), (w - 2, y)] }) >= minInk { out.append(.right) }
        if fraction(xs.flatMap { x in [(x, 0), (x, 1)] }) >= minInk { out.append(.top) }
        if fraction(xs.flatMap { x in [(x, h - 1), (x, h - 2)] }) >= minInk { out.append(.bottom) }
        return out
    }

    static func cutEdges(_ reading: ReadResult, options: Options) -> [FrameEdge] {
        guard reading.width > 0, reading.height > 0, !reading.lines.isEmpty else { return [] }
        let m = max(options.borderMargin, Int(options.borderMarginFraction * Double(min(reading.width, reading.height))))
        var count: [FrameEdge: Int] = [:]
        for b in reading.lineBoxes {
            if b.x <= m { count[.left, default: 0] += 1 }
            if b.maxX >= reading.width - m { count[.right, default: 0] += 1 }
            if b.y <= m { count[.top, default: 0] += 1 }
            if b.maxY >= reading.height - m { count[.bottom, default: 0] += 1 }
        }
        return FrameEdge.allCases.filter { edge in
            (count[edge] ?? 0) >= (edge == .left || edge == .right ? 2 : 1)
        }
    }
}

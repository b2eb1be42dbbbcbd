import Foundation
import Messages
import PhotoAnalysis
import Products

/// The everyday analyses' results in words, from the message catalogue of the configured
/// language. PhotoAnalysis and Products return values (reports, matches, advice); this is the
/// one place that words them for the daemon.
struct ModeSentences: Sendable {
    let catalogue: MessageCatalogue

    // MARK: codes

    /// "A barcode is at the left edge; move the camera left." and the like.
    func advice(_ region: CodeRegion) -> String {
        let code: Message = region.kind == .qr ? .codeQR : .codeBarcode
        switch CodeAdvice(region) {
        case .atEdge(let edge):
            return catalogue.text(.codeAtEdge(code: code, edge: codeEdge(edge), move: move(edge)))
        case .inCorner(let v, let h):
            return catalogue.text(.codeInCorner(code: code, vertical: v == .top ? .codeCornerUpper : .codeCornerLower,
                                                horizontal: codeEdge(h), move: move(v), alsoMove: move(h)))
        case .fillsFrame:
            return catalogue.text(.codeFillsFrame(code: code))
        case .tooSmall(let position):
            return catalogue.text(.codeTooSmall(code: code, place: place(position)))
        case .tooBlurred(let position):
            return catalogue.text(.codeTooBlurred(code: code, place: place(position)))
        }
    }

    /// What is said for a decoded code that is not looked up: QR text or a link is read out.
    func reading(_ symbol: CodeSymbol) -> String {
        switch symbol.symbology {
        case .qr:
            let text = symbol.data.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { return catalogue.text(.qrEmpty) }
            if let url = CodePhrases.spokenURL(text) { return catalogue.text(.qrLink(text: url)) }
            return catalogue.text(.qrText(text: text))
        case .code128:
            return catalogue.text(.code128(text: symbol.data))
        case .ean13, .ean8, .upcA, .upcE:
            let digits = ProductCode(symbol.data, upcE: symbol.symbology == .upcE)?.spokenDigits ?? symbol.data
            return catalogue.text(.codeNumber(text: digits))
        }
    }

    // MARK: products

    /// A label, a product from the database, or the digits and how to label them.
    func match(_ match: ProductMatch) -> String {
        switch match {
        case let .labelled(label, _, _):
            return catalogue.text(.productLabelled(text: ModeSentences.sentence(label)))
        case let .product(p, _):
            var head = p.name ?? catalogue.text(.productNoName)
            if let brand = p.brand { head = catalogue.text(.productByBrand(name: head, brand: brand)) }
            if let quantity = p.quantity { head += ", \(quantity)" }
            var out = ModeSentences.sentence(head)
            if !p.allergens.isEmpty { out += " " + catalogue.text(.productAllergens(text: catalogue.series(p.allergens))) }
            return out
        case let .unknown(code):
            return catalogue.text(.productUnknown(digits: code.spokenDigits))
        }
    }

    func databaseUnreadable(_ code: ProductCode) -> String {
        catalogue.text(.productDatabaseUnreadable(digits: code.spokenDigits))
    }

    // MARK: colour

    /// "Navy, with some white." and the like; a second colour under a third of the middle is "some".
    func colours(_ report: ColourReport) -> String {
        if report.tooDark || report.colours.isEmpty { return catalogue.text(.colourTooDark) }
        let names = report.colours.map { catalogue.colourName($0.name) }
        let some = report.colours.count > 1 && report.colours[1].share < 0.34
        let message: Message
        switch names.count {
        case 1: message = .colourOne(first: names[0])
        case 2: message = some ? .colourWithSome(first: names[0], second: names[1]) : .colourAnd(first: names[0], second: names[1])
        default:
            message = some ? .colourWithSomeTwo(first: names[0], second: names[1], third: names[2])
                           : .colourThree(first: names[0], second: names[1], third: names[2])
        }
        return ModeSentences.capitalised(catalogue.text(message))
    }

    // MARK: light

    /// "Bright light, upper left.", "Dim light, evenly spread.", "Dark."
    func light(_ report: LightReport) -> String {
        let level: Message
        switch report.level {
        case .dark: return catalogue.text(.lightDark)
        case .dim: level = .lightDim
        case .moderate: level = .lightModerate
        case .bright: level = .lightBright
        case .veryBright: level = .lightVeryBright
        }
        guard let brightest = report.brightest else { return catalogue.text(.lightEven(level: level)) }
        return catalogue.text(.lightAt(level: level, position: lightPosition(brightest)))
    }

    // MARK: documents

    /// "A page of about 300 words in two columns; the right edge is cut off."
    func summary(_ layout: DocumentLayout) -> String {
        guard layout.wordCount > 0 else { return catalogue.text(.documentNoText) }
        let n = layout.wordCount
        let words: Message
        if n == 1 {
            words = .documentOneWord
        } else if n < 20 {
            words = .documentWords(count: n)
        } else {
            let step = n < 200 ? 10 : 50
            words = .documentAboutWords(count: (n + step / 2) / step * step)
        }
        let columns: Message
        switch layout.columnCount {
        case 1: columns = .documentOneColumn
        case 2: columns = .documentTwoColumns
        case 3: columns = .documentThreeColumns
        default: columns = .documentColumns(count: layout.columnCount)
        }
        let edges = layout.cutEdges.map(pageEdge)
        switch edges.count {
        case 0: return catalogue.text(.documentSummary(words: words, columns: columns))
        case 1: return catalogue.text(.documentSummaryCut(words: words, columns: columns, edges: edges))
        default: return catalogue.text(.documentSummaryCutEdges(words: words, columns: columns, edges: edges))
        }
    }

    // MARK: words for places

    private func codeEdge(_ e: FrameEdge) -> Message {
        switch e {
        case .left: return .codeEdgeLeft
        case .right: return .codeEdgeRight
        case .top: return .codeEdgeTop
        case .bottom: return .codeEdgeBottom
        }
    }

    private func pageEdge(_ e: FrameEdge) -> Message {
        switch e {
        case .left: return .documentEdgeLeft
        case .right: return .documentEdgeRight
        case .top: return .documentEdgeTop
        case .bottom: return .documentEdgeBottom
        }
    }

    private func move(_ e: FrameEdge) -> Message {
        switch e {
        case .left: return .cameraMoveLeft
        case .right: return .cameraMoveRight
        case .top: return .cameraMoveUp
        case .bottom: return .cameraMoveDown
        }
    }

    private func place(_ p: FramePosition) -> Message {
        switch p {
        case .upperLeft: return .codePlaceUpperLeft
        case .top: return .codePlaceTop
        case .upperRight: return .codePlaceUpperRight
        case .left: return .codePlaceLeft
        case .middle: return .codePlaceMiddle
        case .right: return .codePlaceRight
        case .lowerLeft: return .codePlaceLowerLeft
        case .bottom: return .codePlaceBottom
        case .lowerRight: return .codePlaceLowerRight
        }
    }

    private func lightPosition(_ p: FramePosition) -> Message {
        switch p {
        case .upperLeft: return .lightPositionUpperLeft
        case .top: return .lightPositionTop
        case .upperRight: return .lightPositionUpperRight
        case .left: return .lightPositionLeft
        case .middle: return .lightPositionMiddle
        case .right: return .lightPositionRight
        case .lowerLeft: return .lightPositionLowerLeft
        case .bottom: return .lightPositionBottom
        case .lowerRight: return .lightPositionLowerRight
        }
    }

    /// The text with a full stop, unless it already ends in punctuation.
    static func sentence(_ text: String) -> String {
        guard let last = text.last else { return text }
        return ".!?".contains(last) ? text : text + "."
    }

    static func capitalised(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}

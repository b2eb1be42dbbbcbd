import Foundation
import Messages
import PhotoAnalysis
import Products
import XCTest
@testable import AssistDaemon

/// The modes' sentences moved to the message catalogue: in English they say exactly what the
/// engines' `*Phrases` said (the wording docs/analysis.md and the engine tests use), and German
/// renders every one of them without an English slot left.
final class ModeSentencesTests: XCTestCase {
    let en = ModeSentences(catalogue: MessageCatalogue(language: .english))
    let de = ModeSentences(catalogue: MessageCatalogue(language: .german))

    /// Regions for every kind of advice: each edge, each corner, past three edges, and small
    /// and large ones at each of the nine positions.
    var regions: [CodeRegion] {
        var out: [CodeRegion] = []
        let box = ImageRect(x: 10, y: 10, width: 100, height: 60)
        for kind in [CodeRegion.Kind.linear, .qr] {
            for edge in FrameEdge.allCases {
                out.append(CodeRegion(bounds: box, cutEdges: [edge], position: .middle, angle: 0, widthFraction: 0.3, heightFraction: 0.2, kind: kind))
            }
            for v in [FrameEdge.top, .bottom] {
                for h in [FrameEdge.left, .right] {
                    out.append(CodeRegion(bounds: box, cutEdges: [v, h], position: .middle, angle: 0, widthFraction: 0.3, heightFraction: 0.2, kind: kind))
                }
            }
            out.append(CodeRegion(bounds: box, cutEdges: [.left, .right, .top], position: .middle, angle: 0, widthFraction: 1, heightFraction: 0.9, kind: kind))
            for position in FramePosition.allCases {
                for size in [0.1, 0.4] {
                    out.append(CodeRegion(bounds: box, cutEdges: [], position: position, angle: 0, widthFraction: size, heightFraction: size / 2, kind: kind))
                }
            }
        }
        return out
    }

    func testCodeSentencesMatchTheEnglishPhrases() {
        for region in regions {
            XCTAssertEqual(en.advice(region), CodePhrases.advice(for: region, width: 640, height: 480), "\(region)")
            let german = de.advice(region)
            XCTAssertFalse(german.contains("{") || german.isEmpty, german)
            XCTAssertNotEqual(german, en.advice(region))
        }
        let symbols = [CodeSymbol(symbology: .qr, data: "https://example.org/soup?id=42", polygon: [], quality: 1),
                       CodeSymbol(symbology: .qr, data: "Plum jam, 2026", polygon: [], quality: 1),
                       CodeSymbol(symbology: .qr, data: "  ", polygon: [], quality: 1),
                       CodeSymbol(symbology: .code128, data: "ASSIST-0042", polygon: [], quality: 3)]
        for symbol in symbols {
            XCTAssertEqual(en.reading(symbol), CodePhrases.reading(symbol))
            XCTAssertNotEqual(de.reading(symbol), en.reading(symbol))
        }
        // A product code read out (not looked up) is grouped as printed, unlike the old phrase.
        XCTAssertEqual(en.reading(CodeSymbol(symbology: .ean13, data: "4006381333931", polygon: [], quality: 3)),
                       "A bar code with the number 4 006381 333931.")
    }

    func testProductSentencesMatchTheEnglishPhrases() throws {
        let code = try XCTUnwrap(ProductCode("4006381333931"))
        let products = [Product(code: code.digits, name: "Hazelnut spread", brand: "Nussbaum", quantity: "400 g", allergens: ["milk", "nuts", "soybeans"]),
                        Product(code: code.digits, name: nil, brand: nil, quantity: nil, allergens: []),
                        Product(code: code.digits, name: "Tea!", brand: nil, quantity: "20 bags", allergens: ["milk"])]
        var matches: [ProductMatch] = products.map { .product($0, code) }
        matches += [.unknown(code), .labelled("Grandma's plum jam", code, nil), .labelled("Soup?", code, products[0])]
        for match in matches {
            XCTAssertEqual(en.match(match), match.spoken)
            XCTAssertNotEqual(de.match(match), en.match(match))
        }
    }

    func testColourLightAndDocumentSentencesMatchTheEnglishPhrases() {
        func named(_ name: String, _ share: Double) -> NamedColour {
            NamedColour(name: name, share: share, lab: LabColour(srgb: 0, 0, 0), distance: 0)
        }
        let reports = [ColourReport(colours: [], tooDark: true, castGains: [1, 1, 1]),
                       ColourReport(colours: [named("navy", 1)], tooDark: false, castGains: [1, 1, 1]),
                       ColourReport(colours: [named("navy", 0.7), named("white", 0.3)], tooDark: false, castGains: [1, 1, 1]),
                       ColourReport(colours: [named("red", 0.5), named("white", 0.5)], tooDark: false, castGains: [1, 1, 1]),
                       ColourReport(colours: [named("yellow", 0.6), named("black", 0.2), named("white", 0.2)], tooDark: false, castGains: [1, 1, 1]),
                       ColourReport(colours: [named("light blue", 0.4), named("grey", 0.35), named("dark red", 0.25)], tooDark: false, castGains: [1, 1, 1])]
        for report in reports {
            XCTAssertEqual(en.colours(report), report.spoken)
            XCTAssertNotEqual(de.colours(report), en.colours(report))
        }
        XCTAssertEqual(de.colours(reports[2]), "Marineblau, mit etwas Weiß.")

        for level in LightMeter.Level.allCases {
            for brightest in [nil] + FramePosition.allCases.map(Optional.some) {
                let report = LightReport(level: level, brightness: 0.5, brightest: brightest)
                XCTAssertEqual(en.light(report), report.spoken)
                XCTAssertNotEqual(de.light(report), en.light(report))
            }
        }

        let document = TextDocument(lines: ["One line."], paragraphs: [0])
        for words in [0, 1, 7, 19, 20, 44, 199, 357, 1234] {
            // Four to six columns are written as digits now ("5 columns", which espeak-ng says
            // as the old "five columns"); the rest is worded as before.
            for columns in [1, 2, 3, 7] {
                for cut in [[], [FrameEdge.right], [.left, .bottom], [.left, .right, .top]] {
                    let layout = DocumentLayout(wordCount: words, columnCount: columns, cutEdges: cut, order: [], columns: [], document: document)
                    XCTAssertEqual(en.summary(layout), layout.summary)
                    XCTAssertNotEqual(de.summary(layout), en.summary(layout))
                }
            }
        }
        let five = DocumentLayout(wordCount: 5, columnCount: 5, cutEdges: [], order: [], columns: [], document: document)
        XCTAssertEqual(en.summary(five), "A page of 5 words in 5 columns.")
        let layout = DocumentLayout(wordCount: 300, columnCount: 2, cutEdges: [.right], order: [], columns: [], document: document)
        XCTAssertEqual(en.summary(layout), "A page of about 300 words in two columns; the right edge is cut off.")
        XCTAssertEqual(de.summary(layout), "Eine Seite mit etwa 300 Wörtern in zwei Spalten; der rechte Rand ist abgeschnitten.")
    }
}

import Foundation
import PhotoAnalysis
import XCTest

/// Sentence and paragraph segmentation and the navigation the reading controls need.
final class TextDocumentTests: XCTestCase {
    func testSentencesParagraphsAndHyphenation() {
        let doc = TextDocument(lines: [
            "Take 2 tablets daily. Dr. Smith said so, e.g. with",
            "water! Milk costs 1.19 today. Is it in-",
            "expensive? \"Yes,\" said J. R. Jones.",
            "A new paragraph starts here. It has two sentences.",
        ], paragraphs: [0, 0, 0, 1])
        XCTAssertEqual(doc.paragraphCount, 2)
        XCTAssertEqual(doc.sentences.map(\.text), [
            "Take 2 tablets daily.",
            "Dr. Smith said so, e.g. with water!",
            "Milk costs 1.19 today.",
            "Is it inexpensive?",
            "\"Yes,\" said J. R. Jones.",
            "A new paragraph starts here.",
            "It has two sentences.",
        ])
        XCTAssertEqual(doc.sentences.map(\.paragraph), [0, 0, 0, 0, 0, 1, 1])
        XCTAssertTrue(doc.text.contains("Jones.\n\nA new"))
        // Offsets point into the text.
        for s in doc.sentences {
            let scalars = Array(doc.text.unicodeScalars)
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars[s.start..<s.end])
            XCTAssertEqual(String(v), s.text)
        }
    }

    func testNavigationAndResume() throws {
        let doc = TextDocument(lines: ["Première phrase. Deuxième ici.", "Third one.", "Fourth. Fifth."], paragraphs: [0, 0, 1])
        XCTAssertEqual(doc.sentences.count, 5)
        // A callback position inside "Deuxième" (scalar offsets count é as one).
        let offset = try XCTUnwrap(doc.text.unicodeScalars.firstIndex(of: "x")).utf16Offset(in: doc.text)
        XCTAssertEqual(doc.sentenceIndex(atOffset: offset), 1)
        XCTAssertEqual(doc.sentenceIndex(atOffset: 0), 0)
        XCTAssertEqual(doc.text(from: 2), "Third one.\n\nFourth. Fifth.")
        XCTAssertEqual(doc.nextParagraph(from: 0), 3)
        XCTAssertNil(doc.nextParagraph(from: 3))
        XCTAssertEqual(doc.previousParagraph(from: 4), 3)
        XCTAssertEqual(doc.previousParagraph(from: 3), 0)
        XCTAssertNil(doc.previousParagraph(from: 0))
        XCTAssertEqual(doc.lastWord(before: 9), "Première")
        XCTAssertEqual(doc.lastWord(before: 11), "phrase", "the word being spoken")
        XCTAssertEqual(doc.lastWord(before: 18), "Deuxième")
        XCTAssertEqual(TextDocument.spell("Tomato"), "capital t, o, m, a, t, o")
        XCTAssertNil(TextDocument(lines: [], paragraphs: []).sentenceIndex(atOffset: 0))
    }

    func testSummarySentences() {
        func layout(_ words: Int, _ columns: Int, _ cut: [FrameEdge]) -> DocumentLayout {
            DocumentLayout(wordCount: words, columnCount: columns, cutEdges: cut, order: [], columns: [],
                           document: TextDocument(lines: [], paragraphs: []))
        }
        XCTAssertEqual(layout(312, 2, [.right]).summary, "A page of about 300 words in two columns; the right edge is cut off.")
        XCTAssertEqual(layout(12, 1, []).summary, "A page of 12 words in one column.")
        XCTAssertEqual(layout(47, 1, [.left, .bottom]).summary, "A page of about 50 words in one column; the left and bottom edges are cut off.")
        XCTAssertEqual(layout(0, 0, []).summary, "I could not find text on this page.")
    }
}

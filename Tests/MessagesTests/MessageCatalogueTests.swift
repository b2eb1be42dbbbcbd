import XCTest
@testable import Messages
@testable import PhotoAnalysis

/// The catalogues are complete and consistent, and English keeps the daemon's wording.
final class MessageCatalogueTests: XCTestCase {
    func testEveryCatalogueHasEveryIdWithExactlyItsParameters() {
        XCTAssertEqual(MessageCatalogue.all.map(\.language), [.english, .german])
        for catalogue in MessageCatalogue.all {
            XCTAssertEqual(Set(catalogue.templates.keys), Set(MessageID.allCases),
                           "\(catalogue.language): missing \(Set(MessageID.allCases).subtracting(catalogue.templates.keys))")
            for id in MessageID.allCases {
                let template = try! XCTUnwrap(catalogue.templates[id])
                XCTAssertFalse(template.trimmingCharacters(in: .whitespaces).isEmpty, "\(catalogue.language) \(id)")
                let used = MessageCatalogue.placeholders(in: template)
                XCTAssertEqual(Set(used), Set(id.parameters.map(\.rawValue)),
                               "\(catalogue.language) \(id.rawValue): template \"\(template)\" uses \(used)")
                XCTAssertEqual(used.count, Set(used).count, "\(catalogue.language) \(id.rawValue) repeats a parameter")
            }
        }
    }

    func testEveryMessageCaseSuppliesExactlyTheParametersOfItsId() {
        let samples = MessageSamples.all
        XCTAssertEqual(Set(samples.map(\.id)), Set(MessageID.allCases), "the samples must cover every id")
        for message in samples {
            XCTAssertEqual(Set(message.arguments.keys), Set(message.id.parameters), "\(message)")
        }
    }

    func testRenderedMessagesHaveNoSlotsLeftInEitherLanguage() {
        for catalogue in MessageCatalogue.all {
            for message in MessageSamples.all {
                let text = catalogue.text(message)
                XCTAssertFalse(text.contains("{") || text.contains("}"), "\(catalogue.language): \(text)")
                XCTAssertFalse(text.isEmpty)
            }
        }
    }

    func testGermanDiffersFromEnglishWhereTheWordsAreWords() {
        let en = MessageCatalogue(language: .english), de = MessageCatalogue(language: .german)
        // Templates made only of slots and punctuation are the same in both languages.
        let sameByDesign: Set<MessageID> = [.helpKey, .readingSpelled]
        for id in MessageID.allCases where !sameByDesign.contains(id) {
            XCTAssertNotEqual(en.templates[id], de.templates[id], "\(id.rawValue) is not translated")
        }
    }

    func testEnglishKeepsTheExistingSpokenWording() {
        let en = MessageCatalogue(language: .english)
        let quality: [(Message, QualityProblem.Kind)] = [
            (.qualityCovered, .covered), (.qualityDark, .dark), (.qualityBright, .bright),
            (.qualityBlurry, .blurry), (.qualityLowContrast, .lowContrast)]
        for (message, kind) in quality {
            XCTAssertEqual(en.text(message), QualityProblem.advice(for: kind))
        }
        XCTAssertEqual(en.text(.itSays(text: "EXIT")), Description.saysPrefix + "EXIT")
        XCTAssertEqual(en.text(.unclearText), Description.unclearText)
        XCTAssertEqual(en.text(.noTextNoModel), Description.noTextNoModel)
        XCTAssertEqual(en.text(.noText), Description.noText)
        XCTAssertEqual(en.text(.noDescription), Description.noDescription)
        XCTAssertEqual(en.text(.nothingAvailable), Description.nothingAvailable)
        // The daemon's own sentences (Sources/AssistDaemon: Daemon.swift, PhotoDescriber.swift).
        XCTAssertEqual(en.text(.photoUnreadable(photo: "kitchen.jpg")), "I could not read photo kitchen.jpg.")
        XCTAssertEqual(en.text(.photoTooLarge(photo: "big.jpg")), "Photo big.jpg is too large for me to read.")
        XCTAssertEqual(en.text(.journalUnwritableBegan),
                       "I cannot save my records, so photos are waiting. The disk may be full.")
        XCTAssertEqual(en.text(.nothingToRepeat), "There is no caption to repeat yet: no photo has been described.")
    }

    func testLanguageNamesAreSaidInTheCataloguesLanguage() {
        let en = MessageCatalogue(language: .english), de = MessageCatalogue(language: .german)
        XCTAssertEqual(Set(en.languageNames.keys), Set(de.languageNames.keys))
        XCTAssertEqual(en.text(.reading(languages: "eng")), "Reading English.")
        XCTAssertEqual(en.text(.reading(languages: "eng+deu")), "Reading English and German.")
        XCTAssertEqual(en.text(.reading(languages: "eng+deu+fra")), "Reading English, German and French.")
        XCTAssertEqual(de.text(.reading(languages: "eng+deu")), "Texterkennung: Englisch und Deutsch.")
        XCTAssertEqual(en.text(.reading(languages: "xyz")), "Reading xyz.")
    }

    func testNestedMessagesAreRenderedByTheSameCatalogue() {
        let help = Message.helpKey(keys: [.keyKeypadDigit(8), .keyVolumeUp], actions: [.helpPress(action: .actionVolumeUp)])
        XCTAssertEqual(MessageCatalogue(language: .english).text(help), "keypad 8 and volume up: press to speak louder.")
        XCTAssertEqual(MessageCatalogue(language: .german).text(help), "Ziffernblock 8 und Lauter-Taste: drücken, um lauter zu sprechen.")
    }

    func testLanguageSelectsVoiceAndTesseractLanguage() {
        XCTAssertEqual(Language(code: "de"), .german)
        XCTAssertEqual(Language(code: "de_DE.UTF-8"), .german)
        XCTAssertEqual(Language(code: "EN-gb"), .english)
        XCTAssertNil(Language(code: "fr"))
        XCTAssertNil(Language(code: ""))
        XCTAssertEqual(Language.german.espeakVoice, "de")
        XCTAssertEqual(Language.german.tesseractLanguage, "deu")
        XCTAssertEqual(Language.english.espeakVoice, "en")
        XCTAssertEqual(Language.english.tesseractLanguage, "eng")
    }
}

/// One instance of every `Message` case.
enum MessageSamples {
    static let all: [Message] = [
        .qualityCovered, .qualityDark, .qualityBright, .qualityBlurry, .qualityLowContrast,
        .itSays(text: "Exit"), .unclearText, .noTextNoModel, .noText, .noDescription, .nothingAvailable,
        .photoUnreadable(photo: "a.jpg"), .photoTooLarge(photo: "a.jpg"), .nothingToRepeat,
        .ready, .captionsOn, .captionsLoading, .captionsOffNoModel, .captionsOffModelFailed(model: "vizwiz"),
        .reading(languages: "eng"), .readingOff, .readingOffMissingLanguage(language: "deu"),
        .cameraFound, .cameraNotFound, .keysNotFound, .settingInvalid(setting: "capture_frames"),
        .photosWaiting(count: 2), .voiceLevels(rate: 175, volume: 100), .volumeNow(120), .rateNow(200), .stopping,
        .noModelBegan, .noModelEnded, .modelFailedBegan(model: "vizwiz"), .modelFailedEnded,
        .ocrLanguageMissingBegan(language: "deu"), .ocrLanguageMissingEnded(language: "deu"),
        .cameraMissingBegan, .cameraMissingEnded, .cameraFailingBegan, .cameraFailingEnded,
        .watchFolderMissingBegan(folder: "/srv/inbox"), .watchFolderMissingEnded,
        .journalUnwritableBegan, .journalUnwritableEnded, .inputDeviceLostBegan, .inputDeviceLostEnded,
        .captureNoProgram, .captureCannotStart(program: "rpicam-still"), .captureFailed(reason: "no cameras available"),
        .captureFailedSilently(program: "fswebcam"), .captureHung, .captureEmpty, .captureUndecodable, .captureCannotSave,
        .helpIntro, .helpKey(keys: [.keyEnter], actions: [.helpPress(action: .actionDescribe)]),
        .helpPress(action: .actionDescribe), .helpDoublePress(action: .actionRepeat),
        .helpLongPress(action: .actionStatus), .helpVeryLongPress(action: .actionHelp, seconds: 5), .helpStopFirst,
        .actionDescribe, .actionStop, .actionRepeat, .actionStatus, .actionHelp,
        .actionVolumeUp, .actionVolumeDown, .actionRateUp, .actionRateDown,
        .keyEnter, .keySpace, .keyKeypadDigit(5), .keyKeypadEnter, .keyKeypadPlus, .keyKeypadMinus,
        .keyKeypadAsterisk, .keyKeypadSlash, .keyKeypadDot, .keyPlayPause, .keyVolumeUp, .keyVolumeDown,
        .keyButton(0), .keyNamed("F1"), .keyCode(300), .listPair(first: "A", second: "B"),
        // MARK: - voice
        .outputSwitched(output: "plughw:CARD=Headphones,DEV=0"), .outputCannotOpen(output: "bluealsa"),
        // MARK: - models
        .modelSkippedBegan(model: "vizwiz"), .modelTooLargeBegan(model: "vizwiz"),
        // MARK: - reading
        .readingNothing, .readingNothingToResume, .readingFirstSentence, .readingLastSentence,
        .readingFirstParagraph, .readingLastParagraph, .readingNoWord,
        .readingSpelled(word: "Tee", letters: "capital t, e, e"), .readingCapital(letter: "t"),
        .actionPause, .actionNextSentence, .actionPreviousSentence, .actionNextParagraph, .actionPreviousParagraph,
        .actionSpell, .productsImported(count: 307, skipped: 2), .productsImportFailed(line: 200), .productsImportUnreadable,
        // MARK: - modes
        .modeDescribe,
        .modeText,
        .modeProduct,
        .modeColour,
        .modeLight,
        .modeNow(mode: .modeText),
        .actionMode,
        .codeBarcode,
        .codeQR,
        .codeEdgeLeft,
        .codeEdgeRight,
        .codeEdgeTop,
        .codeEdgeBottom,
        .cameraMoveLeft,
        .cameraMoveRight,
        .cameraMoveUp,
        .cameraMoveDown,
        .codeCornerUpper,
        .codeCornerLower,
        .codeAtEdge(code: .modeText, edge: .modeText, move: .modeText),
        .codeInCorner(code: .modeText, vertical: .modeText, horizontal: .modeText, move: .modeText, alsoMove: .modeText),
        .codeFillsFrame(code: .modeText),
        .codeTooSmall(code: .modeText, place: .modeText),
        .codeTooBlurred(code: .modeText, place: .modeText),
        .codePlaceUpperLeft,
        .codePlaceTop,
        .codePlaceUpperRight,
        .codePlaceLeft,
        .codePlaceMiddle,
        .codePlaceRight,
        .codePlaceLowerLeft,
        .codePlaceBottom,
        .codePlaceLowerRight,
        .qrEmpty,
        .qrLink(text: "x"),
        .qrText(text: "x"),
        .code128(text: "x"),
        .codeNumber(text: "x"),
        .codeInDescription(text: "x"),
        .noCode,
        .productLabelled(text: "x"),
        .productNoName,
        .productByBrand(name: "x", brand: "x"),
        .productAllergens(text: "x"),
        .productUnknown(digits: "x"),
        .productDatabaseUnreadable(digits: "x"),
        .labelSaved(text: "x"),
        .labelRemoved,
        .labelNone,
        .colourTooDark,
        .colourOne(first: "x"),
        .colourWithSome(first: "x", second: "x"),
        .colourAnd(first: "x", second: "x"),
        .colourWithSomeTwo(first: "x", second: "x", third: "x"),
        .colourThree(first: "x", second: "x", third: "x"),
        .lightDark,
        .lightDim,
        .lightModerate,
        .lightBright,
        .lightVeryBright,
        .lightEven(level: .modeText),
        .lightAt(level: .modeText, position: .modeText),
        .lightPositionUpperLeft,
        .lightPositionTop,
        .lightPositionUpperRight,
        .lightPositionLeft,
        .lightPositionMiddle,
        .lightPositionRight,
        .lightPositionLowerLeft,
        .lightPositionBottom,
        .lightPositionLowerRight,
        .documentNoText,
        .documentOneWord,
        .documentWords(count: 3),
        .documentAboutWords(count: 3),
        .documentOneColumn,
        .documentTwoColumns,
        .documentThreeColumns,
        .documentColumns(count: 3),
        .documentSummary(words: .modeText, columns: .modeText),
        .documentSummaryCut(words: .modeText, columns: .modeText, edges: [.documentEdgeLeft]),
        .documentSummaryCutEdges(words: .modeText, columns: .modeText, edges: [.documentEdgeLeft]),
        .documentEdgeLeft,
        .documentEdgeRight,
        .documentEdgeTop,
        .documentEdgeBottom,
    ]
}

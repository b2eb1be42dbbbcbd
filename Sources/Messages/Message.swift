/// One sentence (or sentence part) assist says, with its parameters typed. The words come from
/// a `MessageCatalogue`; this only says which sentence and with what.
public indirect enum Message: Sendable, Hashable {
    case qualityCovered, qualityDark, qualityBright, qualityBlurry, qualityLowContrast
    /// The text read from the photo, after "It says:".
    case itSays(text: String)
    case unclearText, noTextNoModel, noText, noDescription, nothingAvailable
    case photoUnreadable(photo: String)
    case photoTooLarge(photo: String)
    case nothingToRepeat

    case ready, captionsOn, captionsLoading, captionsOffNoModel
    case captionsOffModelFailed(model: String)
    /// `languages`: Tesseract codes such as `eng` or `eng+deu`.
    case reading(languages: String)
    case readingOff
    case readingOffMissingLanguage(language: String)
    case cameraFound, cameraNotFound, keysNotFound
    /// `setting`: the config key, such as `capture_frames`.
    case settingInvalid(setting: String)
    case photosWaiting(count: Int)
    case voiceLevels(rate: Int, volume: Int)
    case volumeNow(Int)
    case rateNow(Int)
    case stopping

    case noModelBegan, noModelEnded
    case modelFailedBegan(model: String)
    case modelFailedEnded
    case ocrLanguageMissingBegan(language: String)
    case ocrLanguageMissingEnded(language: String)
    case cameraMissingBegan, cameraMissingEnded
    case cameraFailingBegan, cameraFailingEnded
    case watchFolderMissingBegan(folder: String)
    case watchFolderMissingEnded
    case journalUnwritableBegan, journalUnwritableEnded
    case inputDeviceLostBegan, inputDeviceLostEnded

    case captureNoProgram
    case captureCannotStart(program: String)
    /// `reason`: the camera program's last line on stderr, shortened.
    case captureFailed(reason: String)
    /// A non-zero exit without anything on stderr.
    case captureFailedSilently(program: String)
    case captureHung
    case captureEmpty, captureUndecodable
    /// The photo could not be written where it goes (disk full, no permission).
    case captureCannotSave

    case helpIntro
    /// `keys`: the `key…` messages of keys that do the same; `actions`: the `help…Press`
    /// messages for them.
    case helpKey(keys: [Message], actions: [Message])
    case helpPress(action: Message)
    case helpDoublePress(action: Message)
    case helpLongPress(action: Message)
    case helpVeryLongPress(action: Message, seconds: Int)
    case helpStopFirst
    case actionDescribe, actionStop, actionRepeat, actionStatus, actionHelp
    case actionVolumeUp, actionVolumeDown, actionRateUp, actionRateDown
    case keyEnter, keySpace
    case keyKeypadDigit(Int)
    case keyKeypadEnter, keyKeypadPlus, keyKeypadMinus, keyKeypadAsterisk, keyKeypadSlash, keyKeypadDot
    case keyPlayPause, keyVolumeUp, keyVolumeDown
    /// `BTN_0` ... `BTN_9`: a GPIO button or a joystick button.
    case keyButton(Int)
    /// Any other key by its kernel name without the prefix (`F1` for `KEY_F1`).
    case keyNamed(String)
    /// A key the map names by number only.
    case keyCode(Int)
    case listPair(first: String, second: String)
    // MARK: - modes
    case modeDescribe
    case modeText
    case modeProduct
    case modeColour
    case modeLight
    case modeNow(mode: Message)
    case actionMode
    case codeBarcode
    case codeQR
    case codeEdgeLeft
    case codeEdgeRight
    case codeEdgeTop
    case codeEdgeBottom
    case cameraMoveLeft
    case cameraMoveRight
    case cameraMoveUp
    case cameraMoveDown
    case codeCornerUpper
    case codeCornerLower
    case codeAtEdge(code: Message, edge: Message, move: Message)
    case codeInCorner(code: Message, vertical: Message, horizontal: Message, move: Message, alsoMove: Message)
    case codeFillsFrame(code: Message)
    case codeTooSmall(code: Message, place: Message)
    case codeTooBlurred(code: Message, place: Message)
    case codePlaceUpperLeft
    case codePlaceTop
    case codePlaceUpperRight
    case codePlaceLeft
    case codePlaceMiddle
    case codePlaceRight
    case codePlaceLowerLeft
    case codePlaceBottom
    case codePlaceLowerRight
    case qrEmpty
    case qrLink(text: String)
    case qrText(text: String)
    case code128(text: String)
    case codeNumber(text: String)
    case codeInDescription(text: String)
    case noCode
    case productLabelled(text: String)
    case productNoName
    case productByBrand(name: String, brand: String)
    case productAllergens(text: String)
    case productUnknown(digits: String)
    case productDatabaseUnreadable(digits: String)
    case labelSaved(text: String)
    case labelRemoved
    case labelNone
    case colourTooDark
    case colourOne(first: String)
    case colourWithSome(first: String, second: String)
    case colourAnd(first: String, second: String)
    case colourWithSomeTwo(first: String, second: String, third: String)
    case colourThree(first: String, second: String, third: String)
    case lightDark
    case lightDim
    case lightModerate
    case lightBright
    case lightVeryBright
    case lightEven(level: Message)
    case lightAt(level: Message, position: Message)
    case lightPositionUpperLeft
    case lightPositionTop
    case lightPositionUpperRight
    case lightPositionLeft
    case lightPositionMiddle
    case lightPositionRight
    case lightPositionLowerLeft
    case lightPositionBottom
    case lightPositionLowerRight
    case documentNoText
    case documentOneWord
    case documentWords(count: Int)
    case documentAboutWords(count: Int)
    case documentOneColumn
    case documentTwoColumns
    case documentThreeColumns
    case documentColumns(count: Int)
    case documentSummary(words: Message, columns: Message)
    case documentSummaryCut(words: Message, columns: Message, edges: [Message])
    case documentSummaryCutEdges(words: Message, columns: Message, edges: [Message])
    case documentEdgeLeft
    case documentEdgeRight
    case documentEdgeTop
    case documentEdgeBottom

    // MARK: - voice
    /// `output`: the ALSA PCM name speech now plays on (`assist voice --output`).
    case outputSwitched(output: String)
    /// `output`: the ALSA PCM that could not be opened; speech stays where it was.
    case outputCannotOpen(output: String)
    // MARK: - models
    /// The model's last load stopped the daemon, so it was skipped (`ModelStatus.ProblemKind.loadCrashed`).
    case modelSkippedBegan(model: String)
    /// The model needs more memory than is available (`ModelStatus.ProblemKind.tooLarge`).
    case modelTooLargeBegan(model: String)
    // MARK: - reading
    case readingNothing, readingNothingToResume
    case readingFirstSentence, readingLastSentence, readingFirstParagraph, readingLastParagraph
    case readingNoWord
    /// `letters` already spelled out (`readingCapital` for capitals), joined by commas.
    case readingSpelled(word: String, letters: String)
    case readingCapital(letter: String)
    case actionPause, actionNextSentence, actionPreviousSentence, actionNextParagraph, actionPreviousParagraph, actionSpell
    case productsImported(count: Int, skipped: Int)
    case productsImportFailed(line: Int)
    case productsImportUnreadable

    /// The catalogue key of this message.
    public var id: MessageID { parts.id }

    /// The values for the template's parameters.
    public var arguments: [MessageParameter: MessageArgument] { parts.arguments }

    private var parts: (id: MessageID, arguments: [MessageParameter: MessageArgument]) {
        switch self {
        case .qualityCovered: return (.qualityCovered, [:])
        case .qualityDark: return (.qualityDark, [:])
        case .qualityBright: return (.qualityBright, [:])
        case .qualityBlurry: return (.qualityBlurry, [:])
        case .qualityLowContrast: return (.qualityLowContrast, [:])
        case .itSays(let text): return (.itSays, [.text: .text(text)])
        case .unclearText: return (.unclearText, [:])
        case .noTextNoModel: return (.noTextNoModel, [:])
        case .noText: return (.noText, [:])
        case .noDescription: return (.noDescription, [:])
        case .nothingAvailable: return (.nothingAvailable, [:])
        case .photoUnreadable(let photo): return (.photoUnreadable, [.photo: .text(photo)])
        case .photoTooLarge(let photo): return (.photoTooLarge, [.photo: .text(photo)])
        case .nothingToRepeat: return (.nothingToRepeat, [:])
        case .ready: return (.ready, [:])
        case .captionsOn: return (.captionsOn, [:])
        case .captionsLoading: return (.captionsLoading, [:])
        case .captionsOffNoModel: return (.captionsOffNoModel, [:])
        case .captionsOffModelFailed(let model): return (.captionsOffModelFailed, [.model: .text(model)])
        case .reading(let languages): return (.readingLanguage, [.language: .tesseractLanguages(languages)])
        case .readingOff: return (.readingOff, [:])
        case .readingOffMissingLanguage(let language):
            return (.readingOffMissingLanguage, [.language: .tesseractLanguages(language)])
        case .cameraFound: return (.cameraFound, [:])
        case .cameraNotFound: return (.cameraNotFound, [:])
        case .keysNotFound: return (.keysNotFound, [:])
        case .settingInvalid(let setting): return (.settingInvalid, [.setting: .text(setting)])
        case .photosWaiting(let count): return (.photosWaiting, [.count: .number(count)])
        case .voiceLevels(let rate, let volume): return (.voiceLevels, [.rate: .number(rate), .volume: .number(volume)])
        case .volumeNow(let volume): return (.volumeNow, [.volume: .number(volume)])
        case .rateNow(let rate): return (.rateNow, [.rate: .number(rate)])
        case .stopping: return (.stopping, [:])
        case .noModelBegan: return (.noModelBegan, [:])
        case .noModelEnded: return (.noModelEnded, [:])
        case .modelFailedBegan(let model): return (.modelFailedBegan, [.model: .text(model)])
        case .modelFailedEnded: return (.modelFailedEnded, [:])
        case .ocrLanguageMissingBegan(let language):
            return (.ocrLanguageMissingBegan, [.language: .tesseractLanguages(language)])
        case .ocrLanguageMissingEnded(let language):
            return (.ocrLanguageMissingEnded, [.language: .tesseractLanguages(language)])
        case .cameraMissingBegan: return (.cameraMissingBegan, [:])
        case .cameraMissingEnded: return (.cameraMissingEnded, [:])
        case .cameraFailingBegan: return (.cameraFailingBegan, [:])
        case .cameraFailingEnded: return (.cameraFailingEnded, [:])
        case .watchFolderMissingBegan(let folder): return (.watchFolderMissingBegan, [.folder: .text(folder)])
        case .watchFolderMissingEnded: return (.watchFolderMissingEnded, [:])
        case .journalUnwritableBegan: return (.journalUnwritableBegan, [:])
        case .journalUnwritableEnded: return (.journalUnwritableEnded, [:])
        case .inputDeviceLostBegan: return (.inputDeviceLostBegan, [:])
        case .inputDeviceLostEnded: return (.inputDeviceLostEnded, [:])
        case .captureNoProgram: return (.captureNoProgram, [:])
        case .captureCannotStart(let program): return (.captureCannotStart, [.program: .text(program)])
        case .captureFailed(let reason): return (.captureFailed, [.reason: .text(reason)])
        case .captureFailedSilently(let program): return (.captureFailedSilently, [.program: .text(program)])
        case .captureHung: return (.captureHung, [:])
        case .captureEmpty: return (.captureEmpty, [:])
        case .captureUndecodable: return (.captureUndecodable, [:])
        case .captureCannotSave: return (.captureCannotSave, [:])
        case .helpIntro: return (.helpIntro, [:])
        case .helpKey(let keys, let actions): return (.helpKey, [.key: .series(keys), .actions: .list(actions)])
        case .helpPress(let action): return (.helpPress, [.action: .message(action)])
        case .helpDoublePress(let action): return (.helpDoublePress, [.action: .message(action)])
        case .helpLongPress(let action): return (.helpLongPress, [.action: .message(action)])
        case .helpVeryLongPress(let action, let seconds):
            return (.helpVeryLongPress, [.action: .message(action), .seconds: .number(seconds)])
        case .helpStopFirst: return (.helpStopFirst, [:])
        case .actionDescribe: return (.actionDescribe, [:])
        case .actionStop: return (.actionStop, [:])
        case .actionRepeat: return (.actionRepeat, [:])
        case .actionStatus: return (.actionStatus, [:])
        case .actionHelp: return (.actionHelp, [:])
        case .actionVolumeUp: return (.actionVolumeUp, [:])
        case .actionVolumeDown: return (.actionVolumeDown, [:])
        case .actionRateUp: return (.actionRateUp, [:])
        case .actionRateDown: return (.actionRateDown, [:])
        case .keyEnter: return (.keyEnter, [:])
        case .keySpace: return (.keySpace, [:])
        case .keyKeypadDigit(let digit): return (.keyKeypadDigit, [.digit: .number(digit)])
        case .keyKeypadEnter: return (.keyKeypadEnter, [:])
        case .keyKeypadPlus: return (.keyKeypadPlus, [:])
        case .keyKeypadMinus: return (.keyKeypadMinus, [:])
        case .keyKeypadAsterisk: return (.keyKeypadAsterisk, [:])
        case .keyKeypadSlash: return (.keyKeypadSlash, [:])
        case .keyKeypadDot: return (.keyKeypadDot, [:])
        case .keyPlayPause: return (.keyPlayPause, [:])
        case .keyVolumeUp: return (.keyVolumeUp, [:])
        case .keyVolumeDown: return (.keyVolumeDown, [:])
        case .keyButton(let number): return (.keyButton, [.number: .number(number)])
        case .keyNamed(let name): return (.keyNamed, [.name: .text(name)])
        case .keyCode(let code): return (.keyCode, [.code: .number(code)])
        case .listPair(let first, let second): return (.listPair, [.first: .text(first), .second: .text(second)])
        // MARK: - voice
        case .outputSwitched(let output): return (.outputSwitched, [.output: .text(output)])
        case .outputCannotOpen(let output): return (.outputCannotOpen, [.output: .text(output)])
        // MARK: - models
        case .modelSkippedBegan(let model): return (.modelSkippedBegan, [.model: .text(model)])
        case .modelTooLargeBegan(let model): return (.modelTooLargeBegan, [.model: .text(model)])
        // MARK: - reading
        case .readingNothing: return (.readingNothing, [:])
        case .readingNothingToResume: return (.readingNothingToResume, [:])
        case .readingFirstSentence: return (.readingFirstSentence, [:])
        case .readingLastSentence: return (.readingLastSentence, [:])
        case .readingFirstParagraph: return (.readingFirstParagraph, [:])
        case .readingLastParagraph: return (.readingLastParagraph, [:])
        case .readingNoWord: return (.readingNoWord, [:])
        case .readingSpelled(let word, let letters): return (.readingSpelled, [.word: .text(word), .letters: .text(letters)])
        case .readingCapital(let letter): return (.readingCapital, [.letter: .text(letter)])
        case .actionPause: return (.actionPause, [:])
        case .actionNextSentence: return (.actionNextSentence, [:])
        case .actionPreviousSentence: return (.actionPreviousSentence, [:])
        case .actionNextParagraph: return (.actionNextParagraph, [:])
        case .actionPreviousParagraph: return (.actionPreviousParagraph, [:])
        case .actionSpell: return (.actionSpell, [:])
        case .productsImported(let count, let skipped): return (.productsImported, [.count: .number(count), .skipped: .number(skipped)])
        case .productsImportFailed(let line): return (.productsImportFailed, [.line: .number(line)])
        case .productsImportUnreadable: return (.productsImportUnreadable, [:])
        // MARK: - modes
        case .modeDescribe: return (.modeDescribe, [:])
        case .modeText: return (.modeText, [:])
        case .modeProduct: return (.modeProduct, [:])
        case .modeColour: return (.modeColour, [:])
        case .modeLight: return (.modeLight, [:])
        case .modeNow(let mode): return (.modeNow, [.mode: .message(mode)])
        case .actionMode: return (.actionMode, [:])
        case .codeBarcode: return (.codeBarcode, [:])
        case .codeQR: return (.codeQR, [:])
        case .codeEdgeLeft: return (.codeEdgeLeft, [:])
        case .codeEdgeRight: return (.codeEdgeRight, [:])
        case .codeEdgeTop: return (.codeEdgeTop, [:])
        case .codeEdgeBottom: return (.codeEdgeBottom, [:])
        case .cameraMoveLeft: return (.cameraMoveLeft, [:])
        case .cameraMoveRight: return (.cameraMoveRight, [:])
        case .cameraMoveUp: return (.cameraMoveUp, [:])
        case .cameraMoveDown: return (.cameraMoveDown, [:])
        case .codeCornerUpper: return (.codeCornerUpper, [:])
        case .codeCornerLower: return (.codeCornerLower, [:])
        case .codeAtEdge(let code, let edge, let move): return (.codeAtEdge, [.code: .message(code), .edge: .message(edge), .move: .message(move)])
        case .codeInCorner(let code, let vertical, let horizontal, let move, let alsoMove): return (.codeInCorner, [.code: .message(code), .vertical: .message(vertical), .horizontal: .message(horizontal), .move: .message(move), .second: .message(alsoMove)])
        case .codeFillsFrame(let code): return (.codeFillsFrame, [.code: .message(code)])
        case .codeTooSmall(let code, let place): return (.codeTooSmall, [.code: .message(code), .place: .message(place)])
        case .codeTooBlurred(let code, let place): return (.codeTooBlurred, [.code: .message(code), .place: .message(place)])
        case .codePlaceUpperLeft: return (.codePlaceUpperLeft, [:])
        case .codePlaceTop: return (.codePlaceTop, [:])
        case .codePlaceUpperRight: return (.codePlaceUpperRight, [:])
        case .codePlaceLeft: return (.codePlaceLeft, [:])
        case .codePlaceMiddle: return (.codePlaceMiddle, [:])
        case .codePlaceRight: return (.codePlaceRight, [:])
        case .codePlaceLowerLeft: return (.codePlaceLowerLeft, [:])
        case .codePlaceBottom: return (.codePlaceBottom, [:])
        case .codePlaceLowerRight: return (.codePlaceLowerRight, [:])
        case .qrEmpty: return (.qrEmpty, [:])
        case .qrLink(let text): return (.qrLink, [.text: .text(text)])
        case .qrText(let text): return (.qrText, [.text: .text(text)])
        case .code128(let text): return (.code128, [.text: .text(text)])
        case .codeNumber(let text): return (.codeNumber, [.text: .text(text)])
        case .codeInDescription(let text): return (.codeInDescription, [.text: .text(text)])
        case .noCode: return (.noCode, [:])
        case .productLabelled(let text): return (.productLabelled, [.text: .text(text)])
        case .productNoName: return (.productNoName, [:])
        case .productByBrand(let name, let brand): return (.productByBrand, [.name: .text(name), .brand: .text(brand)])
        case .productAllergens(let text): return (.productAllergens, [.text: .text(text)])
        case .productUnknown(let digits): return (.productUnknown, [.code: .text(digits)])
        case .productDatabaseUnreadable(let digits): return (.productDatabaseUnreadable, [.code: .text(digits)])
        case .labelSaved(let text): return (.labelSaved, [.text: .text(text)])
        case .labelRemoved: return (.labelRemoved, [:])
        case .labelNone: return (.labelNone, [:])
        case .colourTooDark: return (.colourTooDark, [:])
        case .colourOne(let first): return (.colourOne, [.first: .text(first)])
        case .colourWithSome(let first, let second): return (.colourWithSome, [.first: .text(first), .second: .text(second)])
        case .colourAnd(let first, let second): return (.colourAnd, [.first: .text(first), .second: .text(second)])
        case .colourWithSomeTwo(let first, let second, let third): return (.colourWithSomeTwo, [.first: .text(first), .second: .text(second), .third: .text(third)])
        case .colourThree(let first, let second, let third): return (.colourThree, [.first: .text(first), .second: .text(second), .third: .text(third)])
        case .lightDark: return (.lightDark, [:])
        case .lightDim: return (.lightDim, [:])
        case .lightModerate: return (.lightModerate, [:])
        case .lightBright: return (.lightBright, [:])
        case .lightVeryBright: return (.lightVeryBright, [:])
        case .lightEven(let level): return (.lightEven, [.level: .message(level)])
        case .lightAt(let level, let position): return (.lightAt, [.level: .message(level), .position: .message(position)])
        case .lightPositionUpperLeft: return (.lightPositionUpperLeft, [:])
        case .lightPositionTop: return (.lightPositionTop, [:])
        case .lightPositionUpperRight: return (.lightPositionUpperRight, [:])
        case .lightPositionLeft: return (.lightPositionLeft, [:])
        case .lightPositionMiddle: return (.lightPositionMiddle, [:])
        case .lightPositionRight: return (.lightPositionRight, [:])
        case .lightPositionLowerLeft: return (.lightPositionLowerLeft, [:])
        case .lightPositionBottom: return (.lightPositionBottom, [:])
        case .lightPositionLowerRight: return (.lightPositionLowerRight, [:])
        case .documentNoText: return (.documentNoText, [:])
        case .documentOneWord: return (.documentOneWord, [:])
        case .documentWords(let count): return (.documentWords, [.count: .number(count)])
        case .documentAboutWords(let count): return (.documentAboutWords, [.count: .number(count)])
        case .documentOneColumn: return (.documentOneColumn, [:])
        case .documentTwoColumns: return (.documentTwoColumns, [:])
        case .documentThreeColumns: return (.documentThreeColumns, [:])
        case .documentColumns(let count): return (.documentColumns, [.count: .number(count)])
        case .documentSummary(let words, let columns): return (.documentSummary, [.words: .message(words), .columns: .message(columns)])
        case .documentSummaryCut(let words, let columns, let edges): return (.documentSummaryCut, [.words: .message(words), .columns: .message(columns), .edges: .series(edges)])
        case .documentSummaryCutEdges(let words, let columns, let edges): return (.documentSummaryCutEdges, [.words: .message(words), .columns: .message(columns), .edges: .series(edges)])
        case .documentEdgeLeft: return (.documentEdgeLeft, [:])
        case .documentEdgeRight: return (.documentEdgeRight, [:])
        case .documentEdgeTop: return (.documentEdgeTop, [:])
        case .documentEdgeBottom: return (.documentEdgeBottom, [:])
        }
    }
}

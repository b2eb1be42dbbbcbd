/// The stable key of every fixed sentence (or sentence part) assist says, and the parameters
/// its template takes. Every catalogue has a template for every id, using exactly these
/// parameters (MessagesTests checks both).
public enum MessageID: String, CaseIterable, Sendable {
    // Describing a photo (PhotoAnalysis.Description and QualityProblem wording).
    case qualityCovered = "quality.covered"
    case qualityDark = "quality.dark"
    case qualityBright = "quality.bright"
    case qualityBlurry = "quality.blurry"
    case qualityLowContrast = "quality.low_contrast"
    case itSays = "description.it_says"
    case unclearText = "description.unclear_text"
    case noTextNoModel = "description.no_text_no_model"
    case noText = "description.no_text"
    case noDescription = "description.no_description"
    case nothingAvailable = "description.nothing_available"
    // A photo the daemon cannot take in.
    case photoUnreadable = "photo.unreadable"
    case photoTooLarge = "photo.too_large"
    case nothingToRepeat = "repeat.nothing"
    // Start-up and status, built from the health parts.
    case ready = "startup.ready"
    case captionsOn = "startup.captions_on"
    case captionsLoading = "startup.captions_loading"
    case captionsOffNoModel = "startup.captions_off_no_model"
    case captionsOffModelFailed = "startup.captions_off_model_failed"
    case readingLanguage = "startup.reading"
    case readingOff = "startup.reading_off"
    case readingOffMissingLanguage = "startup.reading_off_missing_language"
    case cameraFound = "startup.camera_found"
    case cameraNotFound = "startup.camera_not_found"
    case keysNotFound = "startup.keys_not_found"
    case settingInvalid = "startup.setting_invalid"
    case photosWaiting = "status.photos_waiting"
    case voiceLevels = "status.voice"
    case volumeNow = "voice.volume"
    case rateNow = "voice.rate"
    case stopping = "shutdown.stopping"
    // Degraded states: each is said once when it begins and once when it ends.
    case noModelBegan = "degraded.no_model.began"
    case noModelEnded = "degraded.no_model.ended"
    case modelFailedBegan = "degraded.model_failed.began"
    case modelFailedEnded = "degraded.model_failed.ended"
    case ocrLanguageMissingBegan = "degraded.ocr_language_missing.began"
    case ocrLanguageMissingEnded = "degraded.ocr_language_missing.ended"
    case cameraMissingBegan = "degraded.camera_missing.began"
    case cameraMissingEnded = "degraded.camera_missing.ended"
    case cameraFailingBegan = "degraded.camera_failing.began"
    case cameraFailingEnded = "degraded.camera_failing.ended"
    case watchFolderMissingBegan = "degraded.watch_folder_missing.began"
    case watchFolderMissingEnded = "degraded.watch_folder_missing.ended"
    case journalUnwritableBegan = "degraded.journal_unwritable.began"
    case journalUnwritableEnded = "degraded.journal_unwritable.ended"
    case inputDeviceLostBegan = "degraded.input_device_lost.began"
    case inputDeviceLostEnded = "degraded.input_device_lost.ended"
    // Taking a photo.
    case captureNoProgram = "capture.no_program"
    case captureCannotStart = "capture.cannot_start"
    case captureFailed = "capture.failed"
    case captureFailedSilently = "capture.failed_silently"
    case captureHung = "capture.hung"
    case captureEmpty = "capture.empty"
    case captureUndecodable = "capture.undecodable"
    case captureCannotSave = "capture.cannot_save"
    // What each key does.
    case helpIntro = "help.intro"
    case helpKey = "help.key"
    case helpPress = "help.press"
    case helpDoublePress = "help.double_press"
    case helpLongPress = "help.long_press"
    case helpVeryLongPress = "help.very_long_press"
    case helpStopFirst = "help.stop_first"
    case actionDescribe = "action.describe"
    case actionStop = "action.stop"
    case actionRepeat = "action.repeat"
    case actionStatus = "action.status"
    case actionHelp = "action.help"
    case actionVolumeUp = "action.volume_up"
    case actionVolumeDown = "action.volume_down"
    case actionRateUp = "action.rate_up"
    case actionRateDown = "action.rate_down"
    case keyEnter = "key.enter"
    case keySpace = "key.space"
    case keyKeypadDigit = "key.keypad_digit"
    case keyKeypadEnter = "key.keypad_enter"
    case keyKeypadPlus = "key.keypad_plus"
    case keyKeypadMinus = "key.keypad_minus"
    case keyKeypadAsterisk = "key.keypad_asterisk"
    case keyKeypadSlash = "key.keypad_slash"
    case keyKeypadDot = "key.keypad_dot"
    case keyPlayPause = "key.play_pause"
    case keyVolumeUp = "key.volume_up"
    case keyVolumeDown = "key.volume_down"
    case keyButton = "key.button"
    case keyNamed = "key.named"
    case keyCode = "key.code"
    // Joining two phrases ("English and German").
    case listPair = "list.pair"
    // MARK: - voice (audio output)
    case outputSwitched = "output.switched"
    case outputCannotOpen = "output.cannot_open"
    // MARK: - models
    case modelSkippedBegan = "degraded.model_skipped.began"
    case modelTooLargeBegan = "degraded.model_too_large.began"
    // MARK: - reading
    // Reading controls over the text last read aloud, and the products import.
    case readingNothing = "reading.nothing"
    case readingNothingToResume = "reading.nothing_to_resume"
    case readingFirstSentence = "reading.first_sentence"
    case readingLastSentence = "reading.last_sentence"
    case readingFirstParagraph = "reading.first_paragraph"
    case readingLastParagraph = "reading.last_paragraph"
    case readingNoWord = "reading.no_word"
    case readingSpelled = "reading.spelled"
    case readingCapital = "reading.capital"
    case actionPause = "action.pause"
    case actionNextSentence = "action.next_sentence"
    case actionPreviousSentence = "action.previous_sentence"
    case actionNextParagraph = "action.next_paragraph"
    case actionPreviousParagraph = "action.previous_paragraph"
    case actionSpell = "action.spell"
    case productsImported = "products.imported"
    case productsImportFailed = "products.import_failed"
    case productsImportUnreadable = "products.import_unreadable"
    // MARK: - modes
    case modeDescribe = "mode.describe"
    case modeText = "mode.text"
    case modeProduct = "mode.product"
    case modeColour = "mode.colour"
    case modeLight = "mode.light"
    case modeNow = "mode.now"
    case actionMode = "action.mode"
    case codeBarcode = "code.barcode"
    case codeQR = "code.qr"
    case codeEdgeLeft = "code.edge.left"
    case codeEdgeRight = "code.edge.right"
    case codeEdgeTop = "code.edge.top"
    case codeEdgeBottom = "code.edge.bottom"
    case cameraMoveLeft = "code.move.left"
    case cameraMoveRight = "code.move.right"
    case cameraMoveUp = "code.move.up"
    case cameraMoveDown = "code.move.down"
    case codeCornerUpper = "code.corner.upper"
    case codeCornerLower = "code.corner.lower"
    case codeAtEdge = "code.at_edge"
    case codeInCorner = "code.in_corner"
    case codeFillsFrame = "code.fills_frame"
    case codeTooSmall = "code.too_small"
    case codeTooBlurred = "code.too_blurred"
    case codePlaceUpperLeft = "code.place.upper_left"
    case codePlaceTop = "code.place.top"
    case codePlaceUpperRight = "code.place.upper_right"
    case codePlaceLeft = "code.place.left"
    case codePlaceMiddle = "code.place.middle"
    case codePlaceRight = "code.place.right"
    case codePlaceLowerLeft = "code.place.lower_left"
    case codePlaceBottom = "code.place.bottom"
    case codePlaceLowerRight = "code.place.lower_right"
    case qrEmpty = "code.qr_empty"
    case qrLink = "code.qr_link"
    case qrText = "code.qr_text"
    case code128 = "code.code128"
    case codeNumber = "code.number"
    case codeInDescription = "code.in_description"
    case noCode = "code.none"
    case productLabelled = "product.labelled"
    case productNoName = "product.no_name"
    case productByBrand = "product.by_brand"
    case productAllergens = "product.allergens"
    case productUnknown = "product.unknown"
    case productDatabaseUnreadable = "product.database_unreadable"
    case labelSaved = "label.saved"
    case labelRemoved = "label.removed"
    case labelNone = "label.none"
    case colourTooDark = "colour.too_dark"
    case colourOne = "colour.one"
    case colourWithSome = "colour.with_some"
    case colourAnd = "colour.and"
    case colourWithSomeTwo = "colour.with_some_two"
    case colourThree = "colour.three"
    case lightDark = "light.dark"
    case lightDim = "light.dim"
    case lightModerate = "light.moderate"
    case lightBright = "light.bright"
    case lightVeryBright = "light.very_bright"
    case lightEven = "light.even"
    case lightAt = "light.at"
    case lightPositionUpperLeft = "light.position.upper_left"
    case lightPositionTop = "light.position.top"
    case lightPositionUpperRight = "light.position.upper_right"
    case lightPositionLeft = "light.position.left"
    case lightPositionMiddle = "light.position.middle"
    case lightPositionRight = "light.position.right"
    case lightPositionLowerLeft = "light.position.lower_left"
    case lightPositionBottom = "light.position.bottom"
    case lightPositionLowerRight = "light.position.lower_right"
    case documentNoText = "document.no_text"
    case documentOneWord = "document.one_word"
    case documentWords = "document.words"
    case documentAboutWords = "document.about_words"
    case documentOneColumn = "document.one_column"
    case documentTwoColumns = "document.two_columns"
    case documentThreeColumns = "document.three_columns"
    case documentColumns = "document.columns"
    case documentSummary = "document.summary"
    case documentSummaryCut = "document.summary_cut"
    case documentSummaryCutEdges = "document.summary_cut_edges"
    case documentEdgeLeft = "document.edge.left"
    case documentEdgeRight = "document.edge.right"
    case documentEdgeTop = "document.edge.top"
    case documentEdgeBottom = "document.edge.bottom"

    /// The parameters this message's template uses, in the order they usually appear.
    public var parameters: [MessageParameter] {
        switch self {
        case .itSays: return [.text]
        case .photoUnreadable, .photoTooLarge: return [.photo]
        case .captionsOffModelFailed, .modelFailedBegan: return [.model]
        case .readingLanguage, .readingOffMissingLanguage, .ocrLanguageMissingBegan, .ocrLanguageMissingEnded:
            return [.language]
        case .settingInvalid: return [.setting]
        case .photosWaiting: return [.count]
        case .voiceLevels: return [.rate, .volume]
        case .volumeNow: return [.volume]
        case .rateNow: return [.rate]
        case .watchFolderMissingBegan: return [.folder]
        case .captureCannotStart, .captureFailedSilently: return [.program]
        case .captureFailed: return [.reason]
        case .helpKey: return [.key, .actions]
        case .helpPress, .helpDoublePress, .helpLongPress: return [.action]
        case .helpVeryLongPress: return [.seconds, .action]
        case .keyKeypadDigit: return [.digit]
        case .keyButton: return [.number]
        case .keyNamed: return [.name]
        case .keyCode: return [.code]
        case .listPair: return [.first, .second]
        // MARK: - voice
        case .outputSwitched, .outputCannotOpen: return [.output]
        // MARK: - models
        case .modelSkippedBegan, .modelTooLargeBegan: return [.model]
        // MARK: - reading
        case .readingSpelled: return [.word, .letters]
        case .readingCapital: return [.letter]
        case .productsImported: return [.count, .skipped]
        case .productsImportFailed: return [.line]
        // MARK: - modes
        case .modeNow: return [.mode]
        case .codeAtEdge: return [.code, .edge, .move]
        case .codeInCorner: return [.code, .vertical, .horizontal, .move, .second]
        case .codeFillsFrame, .productUnknown, .productDatabaseUnreadable: return [.code]
        case .codeTooSmall, .codeTooBlurred: return [.code, .place]
        case .qrLink, .qrText, .code128, .codeNumber, .codeInDescription, .productLabelled, .productAllergens, .labelSaved: return [.text]
        case .productByBrand: return [.name, .brand]
        case .colourOne: return [.first]
        case .colourWithSome, .colourAnd: return [.first, .second]
        case .colourWithSomeTwo, .colourThree: return [.first, .second, .third]
        case .lightEven: return [.level]
        case .lightAt: return [.level, .position]
        case .documentWords, .documentAboutWords, .documentColumns: return [.count]
        case .documentSummary: return [.words, .columns]
        case .documentSummaryCut, .documentSummaryCutEdges: return [.words, .columns, .edges]
        default: return []
        }
    }
}

extension MessageID {
    /// Something is wrong and the person should know: errors, and the begin of a degraded state.
    public var isError: Bool {
        switch self {
        case .photoUnreadable, .photoTooLarge, .captionsOffNoModel, .captionsOffModelFailed,
             .readingOffMissingLanguage, .cameraNotFound, .keysNotFound, .settingInvalid,
             .noModelBegan, .modelFailedBegan, .ocrLanguageMissingBegan, .cameraMissingBegan,
             .cameraFailingBegan, .watchFolderMissingBegan, .journalUnwritableBegan, .inputDeviceLostBegan,
             .captureNoProgram, .captureCannotStart, .captureFailed, .captureFailedSilently, .captureHung,
             .captureEmpty, .captureUndecodable, .captureCannotSave,
             // MARK: - models
             .modelSkippedBegan, .modelTooLargeBegan:
            return true
        // MARK: - voice
        case .outputCannotOpen:
            return true
        default:
            return false
        }
    }
}

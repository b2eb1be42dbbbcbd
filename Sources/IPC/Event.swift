/// What happened, in an event frame.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    /// A photo was found in a watched folder, or arrived by socket, and its description starts.
    case photoReceived = "photo_received"
    /// A file was queued for description (`photo`, `path`).
    case photoQueued = "photo_queued"
    /// A queued file was not described (`photo`, `path`, `error`): gone, not a regular file, or
    /// already recorded.
    case photoSkipped = "photo_skipped"
    /// A folder photo was claimed in the journal (`attempt`): from here a crash redoes it.
    case photoClaimed = "photo_claimed"
    /// A photo was described (`text` is the message, `description` its parts), with or
    /// without a captioning model.
    case captioned
    /// A photo could not be described (`error`).
    case failed
    /// An utterance was queued for speech (`utterance`, `utterance_kind`, `text`).
    case speechQueued = "speech_queued"
    /// An utterance began (`utterance`).
    case speechStarted = "speech_started"
    /// An utterance finished playing (`utterance`, `text`).
    case spoken
    /// An utterance was cut short or dropped by `stop` (`utterance`).
    case speechStopped = "speech_stopped"
    /// A caption that never started because a newer caption was queued (`utterance`).
    case speechSuperseded = "speech_superseded"
    /// An utterance could not be spoken (`utterance`, `error`).
    case speechFailed = "speech_failed"
    /// The journal cannot be written (`photo`, `error`); the photo stays pending.
    case journalFailed = "journal_failed"
    /// The journal can be written again after a `journal_failed`.
    case journalRecovered = "journal_recovered"
    /// SIGHUP re-read the config (`error` when it could not be read and the old one stays).
    case configReloaded = "config_reloaded"
    /// A captioning model was loaded (`path`).
    case modelLoaded = "model_loaded"
    /// A model could not be loaded (`path`, `error`).
    case modelFailed = "model_failed"
    /// A watched folder is being watched (`folder`), at start or after a config change.
    case folderWatched = "folder_watched"
    /// A watched folder went away or cannot be watched (`folder`, `error`); it is looked for again.
    case folderLost = "folder_lost"
    /// A folder that was gone is watched again (`folder`).
    case folderBack = "folder_back"
    /// The kernel's inotify queue overflowed; every folder is rescanned.
    case folderOverflow = "folder_overflow"
    /// The daemon closed a client connection (`error` says why: `idle`, `client went away`,
    /// `client stopped reading replies`, `event listener is not reading`, ...).
    case connectionClosed = "connection_closed"
    // MARK: - reading
    /// A sentence of the text being read began to be heard (`text` the sentence, `utterance`,
    /// `sentence` its number from 0).
    case readingSentence = "reading_sentence"
    /// A products import read more rows (`products_progress`).
    case productsImportProgress = "products_import_progress"
}

/// What an utterance is, as the event stream names it.
public enum UtteranceKindName: String, Codable, Sendable {
    case caption, error, message
}

/// One entry of the event stream that `events` subscribes to. Fields that do not apply to the
/// kind are absent.
public struct Event: Codable, Sendable, Equatable {
    public var kind: EventKind
    /// Seconds since 1970.
    public var time: Double
    /// The photo's file name or the client's name for it.
    public var photo: String?
    public var text: String?
    public var error: String?
    /// The parts of the description, on `captioned`.
    public var description: DescriptionInfo?
    /// The utterance id (as `say` answers it), on `speech_*` and `spoken`.
    public var utterance: UInt64?
    public var utteranceKind: UtteranceKindName?
    /// How many times the photo has been claimed, this claim included, on `photo_claimed`.
    public var attempt: Int?
    /// The watched folder, on `folder_*`.
    public var folder: String?
    /// The model directory on `model_*`; the file on `photo_queued` and `photo_skipped`.
    public var path: String?
    // MARK: - reading
    /// The sentence's number from 0, on `reading_sentence`.
    public var sentence: Int?
    /// How far the import has come, on `products_import_progress`.
    public var productsProgress: ProductsImportProgress?

    public init(kind: EventKind, time: Double, photo: String? = nil, text: String? = nil, error: String? = nil,
                description: DescriptionInfo? = nil, utterance: UInt64? = nil, utteranceKind: UtteranceKindName? = nil,
                attempt: Int? = nil, folder: String? = nil, path: String? = nil) {
        self.kind = kind; self.time = time; self.photo = photo; self.text = text; self.error = error
        self.description = description; self.utterance = utterance; self.utteranceKind = utteranceKind
        self.attempt = attempt; self.folder = folder; self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case kind, time, photo, text, error, description, utterance, attempt, folder, path
        case utteranceKind = "utterance_kind"
        // MARK: - reading
        case sentence, productsProgress = "products_progress"
    }
}

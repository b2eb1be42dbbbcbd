/// The answer to `status`.
public struct StatusInfo: Codable, Sendable, Equatable {
    public var version: String
    public var protocolVersion: Int
    public var uptimeSeconds: Double
    public var model: ModelStatus
    /// Photos and caption requests waiting, plus the one in progress.
    public var queueLength: Int
    public var speech: SpeechStatus
    public var voice: VoiceInfo
    public var watching: [String]
    public var reading: ReadingStatus
    public var verbosity: DescriptionVerbosity
    /// Why the journal cannot be written (disk full, I/O error), while photos wait for it; absent
    /// when recording works.
    public var journalProblem: String?
    /// The current mode (`assist mode`); absent from daemons before modes.
    public var mode: AssistMode?
    public init(version: String, protocolVersion: Int, uptimeSeconds: Double, model: ModelStatus,
                queueLength: Int, speech: SpeechStatus, voice: VoiceInfo, watching: [String],
                reading: ReadingStatus, verbosity: DescriptionVerbosity, journalProblem: String? = nil,
                mode: AssistMode? = nil) {
        self.version = version; self.protocolVersion = protocolVersion; self.uptimeSeconds = uptimeSeconds
        self.model = model; self.queueLength = queueLength; self.speech = speech; self.voice = voice
        self.watching = watching; self.reading = reading; self.verbosity = verbosity
        self.journalProblem = journalProblem
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case version, model, speech, voice, watching, reading, verbosity, mode
        case protocolVersion = "protocol_version", uptimeSeconds = "uptime_seconds", queueLength = "queue_length"
        case journalProblem = "journal_problem"
    }
}

/// The captioning model's state for `status` and `reload_model`.
public struct ModelStatus: Codable, Sendable, Equatable {
    /// Whether a model captions photos.
    public enum State: String, Codable, Sendable {
        /// A model captions photos and no other is being loaded.
        case loaded
        /// A new model is being loaded; `loaded` tells whether an older one serves meanwhile.
        case loading
        /// No model captions photos.
        case missing
    }

    /// Where the daemon takes its model from.
    public enum Source: String, Codable, Sendable {
        /// The models directory's `current` link (`assist model use`).
        case selection
        /// `model = DIR` (or `--model`) names a directory.
        case config
    }

    /// True when a model is captioning photos (possibly the previous one while another loads).
    public var loaded: Bool
    /// The directory of the model in use, or, when none is, of the one configured or selected.
    public var path: String
    /// Why no model is loaded and how to install one, or why the last load failed.
    public var problem: String?
    public var state: State
    /// The model's directory name in the models directory, e.g. `nlpconnect--vit-gpt2-image-captioning`.
    public var name: String?
    /// The hub repository and commit it was installed from (absent for a checkpoint copied by hand).
    public var repo: String?
    public var commit: String?
    /// The models directory `assist model install` and `use` work on for this daemon.
    public var modelsDirectory: String
    public var source: Source
    /// The directory being loaded while `state` is `loading`.
    public var loadingPath: String?

    // MARK: - models

    /// Why a model was not loaded, when the daemon refused it rather than failed to read it.
    public enum ProblemKind: String, Codable, Sendable {
        /// Its last load ended the process (the loading marker was left), so it was skipped.
        case loadCrashed = "load_crashed"
        /// Its weights and working memory exceed the memory available.
        case tooLarge = "too_large"
    }

    /// Set with `problem` when the model was skipped or does not fit; absent otherwise.
    public var problemKind: ProblemKind?

    public init(loaded: Bool, path: String, problem: String?, state: State, name: String? = nil,
                repo: String? = nil, commit: String? = nil, modelsDirectory: String, source: Source,
                loadingPath: String? = nil, problemKind: ProblemKind? = nil) {
        self.loaded = loaded; self.path = path; self.problem = problem
        self.state = state; self.name = name; self.repo = repo; self.commit = commit
        self.modelsDirectory = modelsDirectory; self.source = source; self.loadingPath = loadingPath
        self.problemKind = problemKind
    }

    enum CodingKeys: String, CodingKey {
        case loaded, path, problem, state, name, repo, commit, source
        case modelsDirectory = "models_directory", loadingPath = "loading_path"
        case problemKind = "problem_kind"
    }
}

/// The speech sink's state for `status`.
public struct SpeechStatus: Codable, Sendable, Equatable {
    public var sink: String
    public var ok: Bool
    public var detail: String?
    public var queueLength: Int
    public init(sink: String, ok: Bool, detail: String?, queueLength: Int) {
        self.sink = sink; self.ok = ok; self.detail = detail; self.queueLength = queueLength
    }

    enum CodingKeys: String, CodingKey {
        case sink, ok, detail, queueLength = "queue_length"
    }
}

/// Text reading for `status`.
public struct ReadingStatus: Codable, Sendable, Equatable {
    public var available: Bool
    /// The configured `ocr_language` (`none` when reading is turned off).
    public var language: String
    /// Why text cannot be read, and how to fix it.
    public var problem: String?
    public init(available: Bool, language: String, problem: String?) {
        self.available = available; self.language = language; self.problem = problem
    }
}

/// Voice settings as the daemon applies them.
public struct VoiceInfo: Codable, Sendable, Equatable {
    public var rate: Int
    public var pitch: Int
    public var volume: Int
    public var voice: String
    // MARK: - voice
    /// The ALSA PCM speech plays on; absent for the wav and none sinks.
    public var output: String?
    public init(rate: Int, pitch: Int, volume: Int, voice: String, output: String? = nil) {
        self.rate = rate; self.pitch = pitch; self.volume = volume; self.voice = voice
        self.output = output
    }
}

import CEspeak
import Foundation
import SystemSupport

/// How one `espeak_ng_Synthesize` call ended.
enum SynthesisOutcome: Equatable {
    /// All audio was delivered (ENS_OK).
    case completed
    /// The chunk handler asked to stop and libespeak-ng returned ENS_SPEECH_STOPPED.
    case aborted
    /// libespeak-ng refused: voice, text decoding, or an internal error; the text says which.
    case failed(String)
}

/// The chunk handler of one synthesis run, reached from libespeak-ng's C callback through the
/// `user_data` pointer that espeak-ng copies into every event it passes to the callback.
private final class SynthesisRun {
    let onChunk: (UnsafeBufferPointer<Int16>) -> Bool
    let shouldAbort: () -> Bool
    let onWord: ((WordMark) -> Void)?
    init(onChunk: @escaping (UnsafeBufferPointer<Int16>) -> Bool, shouldAbort: @escaping () -> Bool,
         onWord: ((WordMark) -> Void)?) {
        self.onChunk = onChunk; self.shouldAbort = shouldAbort; self.onWord = onWord
    }
}

/// libespeak-ng for the whole process.
///
/// libespeak-ng keeps all of its state in globals (voice, parameters, translator, output buffer,
/// the synth callback) and is not thread-safe, so there is one engine per process and every call
/// into the library happens with `state` locked. A `Speaker` makes all of its espeak calls on its own
/// speech thread while holding that lock, one utterance at a time; two speakers in one process
/// therefore take turns. The library is initialized once in AUDIO_OUTPUT_SYNCHRONOUS mode, as the
/// espeak-ng CLI does for `-w` (src/espeak-ng.c), and never terminated: in Debian's 1.51 a
/// second espeak_ng_Initialize after espeak_ng_Terminate hangs. Initialization also sets the
/// process's LC_CTYPE to C.UTF-8 (speech.c), which the rest of the daemon inherits.
final class EspeakEngine: Sendable {
    static let shared = EspeakEngine()

    /// Text is always valid UTF-8 (Swift strings); the CLI's espeakCHARS_AUTO decodes it the same
    /// way. espeakENDPAUSE adds the sentence-final pause as the CLI does. espeakPHONEMES (the
    /// CLI's `[[phonemes]]` input) is left out: a caption is text to read, never markup.
    static let synthFlags = UInt32(espeakCHARS_UTF8) | UInt32(espeakENDPAUSE)

    /// What the engine knows of the library's globals; locked for every call into it.
    private struct State {
        var initialized: Result<Void, SpeechError>?
        var catalog: VoiceCatalog?
        /// The settings libespeak-ng currently holds, nil when unknown (after a failed change).
        var applied: VoiceSettings?
    }

    private let state = Locked(State())

    private init() {}

    /// Initializes libespeak-ng on first use; returns the installed voices and the sample rate
    /// of its output (22050 Hz for every voice shipped with espeak-ng-data).
    func start() throws -> (catalog: VoiceCatalog, sampleRate: Int) {
        try state.withLock { s in
            try Self.initialize(&s).get()
            let voices = s.catalog ?? VoiceCatalog(voices: Self.listVoices(), variants: Self.listVariants())
            s.catalog = voices
            return (voices, Int(espeak_ng_GetSampleRate()))
        }
    }

    /// Initializes libespeak-ng without reading the voice list (a synthesis worker needs no
    /// catalog, and the espeak-ng CLI reads none); returns the sample rate.
    func initialize() throws -> Int {
        try state.withLock { s in
            try Self.initialize(&s).get()
            return Int(espeak_ng_GetSampleRate())
        }
    }

    /// Sets the voice and parameters ahead of an utterance with the same settings (what a worker
    /// does while it waits); returns the problem, or nil. `synthesize` then skips setting them.
    func prepare(_ settings: VoiceSettings, selection: VoiceSelection) -> String? {
        state.withLock { s in
            if case .failure(let error) = Self.initialize(&s) { return error.description }
            return Self.apply(settings, selection: selection, &s)
        }
    }

    /// Synthesizes `text` with `settings`, delivering 16-bit mono chunks (about 60 ms of audio
    /// each, espeak-ng's minimum buffer) to `onChunk` on the calling thread. `begin` gets the
    /// sample rate after the voice is set and before the first chunk; it may throw to refuse.
    /// `onChunk` returns false, or `shouldAbort` true, to stop: libespeak-ng then abandons the
    /// text at once (speech.c Synthesize: SpeakNextClause(2)) and the outcome is `.aborted`.
    /// `onWord`, when given, gets libespeak-ng's word events (espeakEVENT_WORD) of each buffer
    /// before the buffer itself; asking for them changes nothing in the audio.
    func synthesize(_ text: String, settings: VoiceSettings, selection: VoiceSelection,
                    begin: (Int) throws -> Void,
                    onChunk: @escaping (UnsafeBufferPointer<Int16>) -> Bool,
                    shouldAbort: @escaping () -> Bool,
                    onWord: ((WordMark) -> Void)? = nil) -> SynthesisOutcome {
        state.withLock { s in
            if case .failure(let error) = Self.initialize(&s) { return .failed(error.description) }
            if let problem = Self.apply(settings, selection: selection, &s) { return .failed(problem) }
            do { try begin(Int(espeak_ng_GetSampleRate())) } catch { return .failed("\(error)") }

            let run = SynthesisRun(onChunk: onChunk, shouldAbort: shouldAbort, onWord: onWord)
            let userData = Unmanaged.passUnretained(run).toOpaque()
            let status: espeak_ng_STATUS = withExtendedLifetime(run) {
                text.withCString { cText in
                    espeak_ng_Synthesize(cText, strlen(cText) + 1, 0, POS_CHARACTER, 0,
                                         Self.synthFlags, nil, userData)
                }
            }
            if status == ENS_OK { return .completed }
            if status == ENS_SPEECH_STOPPED { return .aborted }
            // An abandoned run may leave parameters half-set; re-apply everything next time.
            s.applied = nil
            return .failed("espeak_ng_Synthesize: \(Self.message(status))")
        }
    }

    // MARK: - Under the lock

    private static func initialize(_ s: inout State) -> Result<Void, SpeechError> {
        if let initialized = s.initialized { return initialized }
        let result: Result<Void, SpeechError>
        espeak_ng_InitializePath(nil)
        var context: espeak_ng_ERROR_CONTEXT? = nil
        let status = espeak_ng_Initialize(&context)
        if status != ENS_OK {
            espeak_ng_ClearErrorContext(&context)
            result = .failure(.espeakInitializationFailed(message(status)))
        } else {
            let output = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, nil)
            if output != ENS_OK {
                result = .failure(.espeakInitializationFailed("espeak_ng_InitializeOutput: \(message(output))"))
            } else {
                espeak_SetSynthCallback { wav, count, events in
                    // Every event espeak-ng hands over (at least the list terminator) carries the
                    // user_data given to espeak_ng_Synthesize.
                    guard let userData = events?.pointee.user_data else { return 0 }
                    let run = Unmanaged<SynthesisRun>.fromOpaque(userData).takeUnretainedValue()
                    if let onWord = run.onWord, var event = events {
                        while event.pointee.type != espeakEVENT_LIST_TERMINATED {
                            // A paragraph break yields a word event of length 0: not a word.
                            if event.pointee.type == espeakEVENT_WORD, event.pointee.length > 0 {
                                onWord(WordMark(position: Int(event.pointee.text_position) - 1,
                                                length: Int(event.pointee.length), sample: Int(event.pointee.sample)))
                            }
                            event += 1
                        }
                    }
                    if let wav, count > 0 {
                        return run.onChunk(UnsafeBufferPointer(start: wav, count: Int(count))) ? 0 : 1
                    }
                    return run.shouldAbort() ? 1 : 0
                }
                result = .success(())
            }
        }
        s.initialized = result
        return result
    }

    /// Sets the voice, then rate, volume and pitch, in the espeak-ng CLI's order (the voice first
    /// because loading a voice resets what it defines). Returns a problem description or nil.
    private static func apply(_ settings: VoiceSettings, selection: VoiceSelection, _ s: inout State) -> String? {
        if s.applied == settings { return nil }
        s.applied = nil
        let status: espeak_ng_STATUS
        switch selection {
        case .byName(let name):
            status = espeak_ng_SetVoiceByName(name)
        case .byLanguage(let language):
            status = language.withCString { cLanguage in
                var selector = espeak_VOICE()
                selector.languages = cLanguage
                return espeak_ng_SetVoiceByProperties(&selector)
            }
        }
        if status != ENS_OK {
            return "cannot select voice \"\(settings.voice)\": \(message(status))"
        }
        for (parameter, value) in [(espeakRATE, settings.rate), (espeakVOLUME, settings.volume),
                                   (espeakPITCH, settings.pitch)] {
            let set = espeak_ng_SetParameter(parameter, Int32(value), 0)
            if set != ENS_OK { return "espeak_ng_SetParameter(\(parameter.rawValue), \(value)): \(message(set))" }
        }
        s.applied = settings
        return nil
    }

    private static func listVoices() -> [InstalledVoice] {
        guard let list = espeak_ListVoices(nil) else { return [] }
        var voices: [InstalledVoice] = []
        var index = 0
        while let voice = list[index] {
            voices.append(info(voice.pointee))
            index += 1
        }
        return voices
    }

    /// Variants are the voices whose language is "variant" (as `espeak-ng --voices=variant`).
    private static func listVariants() -> [String] {
        "variant".withCString { cVariant in
            var selector = espeak_VOICE()
            selector.languages = cVariant
            guard let list = espeak_ListVoices(&selector) else { return [] }
            var names: [String] = []
            var index = 0
            while let voice = list[index] {
                if let identifier = voice.pointee.identifier {
                    names.append(String(String(cString: identifier).split(separator: "/").last ?? ""))
                }
                index += 1
            }
            return names
        }
    }

    /// `languages` is a run of (priority byte, NUL-terminated language) pairs ending in a 0 byte.
    private static func info(_ voice: espeak_VOICE) -> InstalledVoice {
        var languages: [String] = []
        if var p = voice.languages {
            while p.pointee != 0 {
                let language = String(cString: p + 1)
                languages.append(language)
                p += 2 + strlen(p + 1)
            }
        }
        let gender: String? = voice.gender == 1 ? "male" : voice.gender == 2 ? "female" : nil
        return InstalledVoice(name: voice.name.map { String(cString: $0) } ?? "",
                         identifier: voice.identifier.map { String(cString: $0) } ?? "",
                         languages: languages, gender: gender)
    }

    static func message(_ status: espeak_ng_STATUS) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        return buffer.withUnsafeMutableBufferPointer { chars in
            espeak_ng_GetStatusCodeMessage(status, chars.baseAddress, chars.count)
            return String(cString: chars.baseAddress!)
        }
    }
}

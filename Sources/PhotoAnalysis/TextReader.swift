import CTesseract
import Foundation
import SystemSupport

/// Reads the text in a photo with libtesseract (LSTM engine, automatic page segmentation).
///
/// What it does beyond a plain `tesseract photo.jpg -` call, and why:
/// - Photos larger than `Options.maxSide` are reduced first: phone photos are 12 MP and the
///   text in them is large, so reading them at full size only costs time.
/// - Photos smaller than `Options.enlargeBelow` are enlarged 2x, because Tesseract's LSTM
///   recognizer loses accuracy below an x-height of about 10 pixels.
/// - Light text on a dark ground is not found by Tesseract's page layout analysis
///   (it expects dark ink), so when the upright pass finds little, the inverted photo is read
///   too; and when that finds little, both are read turned by 180 degrees. Tesseract's
///   layout analysis already reads lines that run top to bottom (text turned 270 degrees)
///   and reads text turned 90 degrees upside down, which the 180-degree pass then corrects.
/// - Lines whose mean word confidence is below `Options.minLineConfidence` are dropped, then
///   words below `Options.minWordConfidence`, then lines left without at least
///   `Options.minLineCharacters` letters or digits: clutter and text read the wrong way up
///   come out as short low-confidence fragments that must not be read out.
///
/// Thread safety: a `TextReader` owns one Tesseract engine, which must not be used by two
/// threads at once. `read(_:)` holds the engine's lock while Tesseract runs, so sharing one
/// reader is safe but reads run one at a time; make one reader per thread for parallel reading.
public final class TextReader: Sendable {
    /// Tuning knobs; the defaults are calibrated on Tests/Fixtures/analysis (docs/analysis.md).
    public struct Options: Sendable, Equatable {
        /// Lines whose words (those with letters or digits) average below this Tesseract
        /// confidence (0...100) are dropped whole: upside-down text and clutter read as text.
        public var minLineConfidence: Float = 65
        /// In the lines kept, words below this confidence are dropped.
        public var minWordConfidence: Float = 60
        /// Lines with fewer letters and digits than this (after dropping words) are dropped.
        public var minLineCharacters: Int = 2
        /// A pass whose kept words reach this many letters and digits at this mean confidence
        /// is accepted without trying the other orientations and polarities.
        public var goodEnoughCharacters: Int = 8
        public var goodEnoughConfidence: Float = 80
        /// Photos whose longer side exceeds this are reduced by an integer factor first.
        public var maxSide: Int = 2000
        /// Photos whose longer side is below this are enlarged 2x first (0 disables).
        public var enlargeBelow: Int = 0
        /// Whether to try inverted polarity and the 180-degree turn when the first pass is weak.
        public var searchOrientation: Bool = true
        /// Whether to straighten text turned up to `maxSkew` degrees before reading.
        public var deskew: Bool = true
        public var maxSkew: Float = 15
        /// Text is straightened only when its lines are turned at least this many degrees
        /// (Tesseract copes with less itself)...
        public var minSkew: Float = 2
        /// ...and line up this much better turned than as they are (projection-profile gain).
        public var minSkewGain: Float = 1.1

        public init() {}
    }

    public let language: String
    public let dataPath: String
    public let options: Options
    private let engine: Locked<TesseractEngine>

    /// Loads `language` (e.g. "eng", or "eng+deu") from `dataPath`, or from the first of
    /// `TESSDATA_PREFIX` and Debian's tessdata directories that holds traineddata files.
    ///
    /// Throws `TextReaderError.languageNotInstalled` naming the installed languages when a
    /// `<language>.traineddata` is missing.
    public init(language: String = "eng", dataPath: String? = nil, options: Options = Options()) throws {
        let parts = language.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed.contains) }) else {
            throw TextReaderError.badLanguageName(language)
        }
        let path = try dataPath ?? TextReader.findDataPath()
        let installed = TextReader.installedLanguages(dataPath: path)
        for part in parts where !installed.contains(part) {
            throw TextReaderError.languageNotInstalled(language: part, dataPath: path, installed: installed)
        }
        guard let api = TessBaseAPICreate() else {
            throw TextReaderError.initFailed(language: language, dataPath: path)
        }
        // Leptonica reports harmless geometry errors on some photos ("box outside rectangle")
        // straight to stderr; the reader reports its own failures.
        _ = setMsgSeverity(Int32(L_SEVERITY_NONE))
        // Tesseract prints diagnostics ("Estimating resolution as ...") to stderr unless told
        // where to put them; a daemon's stderr is its journal.
        TessBaseAPISetVariable(api, "debug_file", "/dev/null")
        guard TessBaseAPIInit2(api, path, language, OEM_DEFAULT) == 0 else {
            TessBaseAPIDelete(api)
            throw TextReaderError.initFailed(language: language, dataPath: path)
        }
        TessBaseAPISetPageSegMode(api, PSM_AUTO)
        self.engine = Locked(TesseractEngine(api))
        self.language = language
        self.dataPath = path
        self.options = options
    }


    /// Directories searched for traineddata when no data path is given, after `TESSDATA_PREFIX`.
    public static let standardDataPaths = [
        "/usr/share/tesseract-ocr/5/tessdata",
        "/usr/share/tesseract-ocr/4.00/tessdata",
        "/usr/share/tessdata",
        "/usr/local/share/tessdata",
    ]

    /// The first directory holding any `.traineddata`: `TESSDATA_PREFIX`, then
    /// `standardDataPaths`.
    public static func findDataPath() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["TESSDATA_PREFIX"], !env.isEmpty {
            candidates.append(env)
        }
        candidates += standardDataPaths
        for dir in candidates where !installedLanguages(dataPath: dir).isEmpty {
            return dir
        }
        throw TextReaderError.noDataDirectory(searched: candidates)
    }

    /// Languages with a `<name>.traineddata` in `dataPath`, sorted; "osd" (orientation and
    /// script detection, not a reading language) is left out.
    public static func installedLanguages(dataPath: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataPath)) ?? []
        return names.filter { $0.hasSuffix(".traineddata") }
            .map { String($0.dropLast(".traineddata".count)) }
            .filter { $0 != "osd" }
            .sorted()
    }

    /// Reads the text in an upright photo. Returns no lines when nothing was read with
    /// enough confidence.
    public func read(_ image: PixelImage) throws -> ReadResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var gray = GrayImage(image)
        let side = max(gray.width, gray.height)
        // Photo pixels per pixel of the image read.
        var scale: Float = 1
        if side > options.maxSide {
            let factor = (side + options.maxSide - 1) / options.maxSide
            gray = gray.reduced(by: factor)
            scale = Float(factor)
        } else if side < options.enlargeBelow {
            gray = gray.enlarged(by: 2)
            scale = 0.5
        }
        var skew: Float = 0
        var straight = gray
        if options.deskew {
            let estimate = SkewEstimator(maxAngle: options.maxSkew).estimate(gray)
            if abs(estimate.angle) >= options.minSkew, estimate.gain >= options.minSkewGain {
                skew = estimate.angle
                straight = gray.rotated(clockwise: skew, fill: gray.median())
            }
        }
        var attempts: [(rotation: Int, inverted: Bool, skew: Float)] = [(0, false, skew)]
        if options.searchOrientation {
            attempts += [(0, true, skew), (180, false, skew), (180, true, skew)]
        }
        // The photo as it is stays a candidate when it was straightened: a wrong skew estimate
        // must not lose text that Tesseract reads at a slant.
        if skew != 0 { attempts.insert((0, false, 0), at: min(2, attempts.count)) }
        let chosen: Pass = try engine.withLock { engine in
            var best: Pass?
            for attempt in attempts {
                var input = (attempt.skew == 0 ? gray : straight).rotatedClockwise(attempt.rotation)
                if attempt.inverted { input = input.inverted() }
                var pass = try recognize(input, on: engine, rotation: attempt.rotation, inverted: attempt.inverted)
                pass.skew = attempt.skew
                if best == nil || pass.score > best!.score { best = pass }
                if best!.isGoodEnough(options) { break }
            }
            return best!
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let toPhoto = BoxMapping(read: chosen.skew == 0 ? gray : straight, original: gray, skew: chosen.skew,
                                 rotation: chosen.rotation, scale: scale, photoWidth: image.width, photoHeight: image.height)
        let words = chosen.words.map { w in
            TextWord(text: w.text, confidence: w.confidence, box: toPhoto.map(w.box), line: w.line,
                     paragraph: w.paragraph, block: w.block)
        }
        return ReadResult(lines: chosen.lines, language: language, rotation: chosen.rotation,
                          inverted: chosen.inverted, droppedWords: chosen.droppedWords, seconds: seconds,
                          skew: Double(chosen.skew), words: words, lineBoxes: chosen.lineBoxes.map(toPhoto.map),
                          width: image.width, height: image.height)
    }

    /// Every word Tesseract found in one orientation, before filtering.
    struct Word {
        var text: String
        var confidence: Float
        var startsLine: Bool
        /// In pixels of the image read.
        var box = ImageRect(x: 0, y: 0, width: 0, height: 0)
        /// Tesseract's box of the whole line, on the line's first word.
        var lineBox: ImageRect?
        var paragraph = 0
        var block = 0
    }

    /// Runs Tesseract once on `image`. The caller holds `engine`'s lock.
    func recognizeWords(_ image: GrayImage, on engine: TesseractEngine) throws -> [Word] {
        let api = engine.api
        image.pixels.withUnsafeBufferPointer { buf in
            TessBaseAPISetImage(api, buf.baseAddress, Int32(image.width), Int32(image.height), 1,
                                Int32(image.width))
        }
        defer { TessBaseAPIClear(api) }
        guard TessBaseAPIRecognize(api, nil) == 0 else {
            throw TextReaderError.recognitionFailed(width: image.width, height: image.height)
        }
        guard let it = TessBaseAPIGetIterator(api) else { return [] }
        defer { TessResultIteratorDelete(it) }
        var words: [Word] = []
        var paragraph = -1, block = -1
        func box(_ page: OpaquePointer?, _ level: TessPageIteratorLevel) -> ImageRect {
            var l: Int32 = 0, t: Int32 = 0, r: Int32 = 0, b: Int32 = 0
            guard TessPageIteratorBoundingBox(page, level, &l, &t, &r, &b) != 0 else {
                return ImageRect(x: 0, y: 0, width: 0, height: 0)
            }
            return ImageRect(x: Int(l), y: Int(t), width: Int(r - l), height: Int(b - t))
        }
        repeat {
            let page = TessResultIteratorGetPageIteratorConst(it)
            if block < 0 || TessPageIteratorIsAtBeginningOf(page, RIL_BLOCK) != 0 { block += 1 }
            if paragraph < 0 || TessPageIteratorIsAtBeginningOf(page, RIL_PARA) != 0 { paragraph += 1 }
            guard let cText = TessResultIteratorGetUTF8Text(it, RIL_WORD) else { continue }
            let text = String(cString: cText)
            TessDeleteText(cText)
            let startsLine = words.isEmpty || TessPageIteratorIsAtBeginningOf(page, RIL_TEXTLINE) != 0
            words.append(Word(text: text, confidence: TessResultIteratorConfidence(it, RIL_WORD),
                              startsLine: startsLine, box: box(page, RIL_WORD),
                              lineBox: startsLine ? box(page, RIL_TEXTLINE) : nil,
                              paragraph: paragraph, block: block))
        } while TessResultIteratorNext(it, RIL_WORD) != 0
        return words
    }

    private func recognize(_ image: GrayImage, on engine: TesseractEngine, rotation: Int, inverted: Bool) throws -> Pass {
        Pass(words: try recognizeWords(image, on: engine), rotation: rotation, inverted: inverted, options: options)
    }
}

/// The filtered outcome of one Tesseract run in one orientation and polarity.
struct Pass {
    var lines: [TextLine] = []
    var rotation: Int
    var inverted: Bool
    /// Degrees the photo was turned clockwise to straighten the text before this pass.
    var skew: Float = 0
    var droppedWords = 0
    /// Letters and digits in kept words, weighted by confidence / 100: how much confident
    /// text this pass found, used to pick the best orientation.
    var score: Float = 0
    var keptCharacters = 0
    var meanConfidence: Float = 0
    /// Kept words with their line's index in `lines`, boxes in pixels of the image read.
    var words: [(text: String, confidence: Float, box: ImageRect, line: Int, paragraph: Int, block: Int)] = []
    /// Boxes of all lines with at least `minLineCharacters` letters or digits, kept or not.
    var lineBoxes: [ImageRect] = []

    init(words: [TextReader.Word], rotation: Int, inverted: Bool, options: TextReader.Options) {
        self.rotation = rotation
        self.inverted = inverted
        var groups: [[TextReader.Word]] = []
        for word in words {
            if word.startsLine || groups.isEmpty { groups.append([]) }
            groups[groups.count - 1].append(word)
        }
        var confidenceSum: Float = 0
        for group in groups {
            // Tesseract reports blank "words" at 95% confidence; they carry no text.
            let candidates = group.filter { Pass.alphanumerics($0.text) > 0 }
            guard !candidates.isEmpty else { continue }
            if let lineBox = group.first?.lineBox,
               candidates.reduce(0, { $0 + Pass.alphanumerics($1.text) }) >= options.minLineCharacters {
                lineBoxes.append(lineBox)
            }
            let lineConfidence = candidates.reduce(0) { $0 + $1.confidence } / Float(candidates.count)
            let kept = candidates.filter { $0.confidence >= options.minWordConfidence }
            let characters = kept.reduce(0) { $0 + Pass.alphanumerics($1.text) }
            guard lineConfidence >= options.minLineConfidence, characters >= options.minLineCharacters else {
                droppedWords += candidates.count
                continue
            }
            droppedWords += candidates.count - kept.count
            let confidence = kept.reduce(0) { $0 + $1.confidence } / Float(kept.count)
            for word in kept {
                self.words.append((word.text, word.confidence, word.box, lines.count, word.paragraph, word.block))
            }
            lines.append(TextLine(text: kept.map(\.text).joined(separator: " "), confidence: confidence))
            for word in kept {
                let n = Pass.alphanumerics(word.text)
                score += Float(n) * word.confidence / 100
                keptCharacters += n
                confidenceSum += Float(n) * word.confidence
            }
        }
        meanConfidence = keptCharacters > 0 ? confidenceSum / Float(keptCharacters) : 0
    }

    func isGoodEnough(_ options: TextReader.Options) -> Bool {
        keptCharacters >= options.goodEnoughCharacters && meanConfidence >= options.goodEnoughConfidence
    }

    static func alphanumerics(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + (CharacterSet.alphanumerics.contains($1) ? 1 : 0) }
    }
}

/// One Tesseract `TessBaseAPI`, which must not be used by two threads at once: `TextReader` keeps
/// it behind a lock and ends it when the reader goes.
final class TesseractEngine {
    let api: OpaquePointer

    init(_ api: OpaquePointer) { self.api = api }

    deinit {
        TessBaseAPIEnd(api)
        TessBaseAPIDelete(api)
    }
}

import Foundation
import IPC
import Messages
import PhotoAnalysis
import Products
import SystemSupport

/// Why a `label` request could not be done.
enum LabelError: Error, CustomStringConvertible {
    /// No photo has been described yet, or the last one had no product code.
    case noCode
    /// The last photo had codes, but none of them is a product code (EAN or UPC).
    case notAProduct(String)
    case emptyLabel
    case database(String)

    var description: String {
        switch self {
        case .noCode:
            return "the last photo had no product bar code to label; take a photo of the code in product or describe mode first"
        case .notAProduct(let symbology):
            return "the code in the last photo is a \(symbology), not a product code; only EAN and UPC product codes can be labelled"
        case .emptyLabel:
            return "label needs the name to give the code, or --remove"
        case .database(let reason):
            return "the label cannot be saved: \(reason)"
        }
    }
}

/// Describes one photo in a mode (docs/daemon.md, "Modes"), sharing one decode of it:
/// `describe` is today's description plus any code found; `text` a layout summary and the text
/// in reading order; `product` the codes read, looked up in the product database; `colour` the
/// main colours of the middle; `light` how bright and where the brightest part is.
///
/// It remembers the codes of the last photo described, for `label`.
final class ModeDescriber: Sendable {
    private struct State {
        var sentences: ModeSentences
        /// The codes read from the last photo described (empty when its mode reads none).
        var lastCodes: [CodeSymbol] = []
    }

    let modes: ModeStore
    /// The product database and labels in the state directory; nil when it cannot be created
    /// there (codes are then read out as digits).
    let products: ProductDatabase?
    private let state: Locked<State>

    init(modes: ModeStore, stateDirectory: String, language: Language) {
        self.modes = modes
        do {
            products = try ProductDatabase(directory: URL(fileURLWithPath: stateDirectory))
        } catch {
            logWarning("mode", "no product database; codes are read out as digits", ["reason": "\(error)"])
            products = nil
        }
        state = Locked(State(sentences: ModeSentences(catalogue: MessageCatalogue(language: language))))
    }

    func update(language: Language) {
        state.withLock { $0.sentences = ModeSentences(catalogue: MessageCatalogue(language: language)) }
        modes.update(language: language)
    }

    private var sentences: ModeSentences { state.withLock { $0.sentences } }

    /// The codes read from the last photo described.
    var lastCodes: [CodeSymbol] { state.withLock { $0.lastCodes } }

    /// Describes `data` in `mode`, or in the current mode when `mode` is nil.
    func describe(_ data: Data, name: String, mode requested: AssistMode?, model: ModelState, reading: ReadingState,
                  verbosity: Verbosity, options: CaptionOptions) -> PhotoDescription {
        let mode = requested ?? modes.current
        let photo: DecodedPhoto
        let catalogue = sentences.catalogue
        switch PhotoDescriber.decode(data, name: name, catalogue: catalogue) {
        case .failure(let failed): return failed.description
        case .success(let decoded): photo = decoded
        }
        var codes: [CodeSymbol] = []
        defer { state.withLock { $0.lastCodes = codes } }
        switch mode {
        case .describe:
            let described = PhotoDescriber.describe(photo, model: model, reading: reading, verbosity: verbosity, options: options,
                                                    catalogue: catalogue)
            guard case .described(var info) = described.outcome else { return described }
            let scan = CodeReader().scan(photo.image)
            codes = scan.symbols
            var result = ModeResult()
            result.codes = []
            var said: [String] = []
            for symbol in unique(scan.symbols) {
                let (sentence, match) = codeSentence(symbol, inDescription: true)
                said.append(sentence)
                result.codes?.append(CodeInfo(symbology: symbol.symbology.rawValue, data: symbol.data, match: match))
            }
            if !said.isEmpty { info.message = ([info.message] + said).joined(separator: " ") }
            info.mode = .describe
            info.modeResult = result
            return PhotoDescription(outcome: .described(info))
        case .text:
            return describeText(photo, reading: reading, verbosity: verbosity)
        case .product:
            let scan = CodeReader().scan(photo.image)
            codes = scan.symbols
            var result = ModeResult()
            result.codes = []
            var said: [String] = []
            for symbol in unique(scan.symbols) {
                let (sentence, match) = codeSentence(symbol, inDescription: false)
                said.append(sentence)
                result.codes?.append(CodeInfo(symbology: symbol.symbology.rawValue, data: symbol.data, match: match))
            }
            if said.isEmpty {
                if let region = scan.adviceRegion {
                    let advice = sentences.advice(region)
                    result.codeAdvice = advice
                    said.append(advice)
                } else {
                    said.append(sentences.catalogue.text(.noCode))
                }
            }
            return finished(said.joined(separator: " "), mode: .product, result: result, photo: photo, verbosity: verbosity)
        case .colour:
            let report = ColourNamer().describe(photo.image)
            var result = ModeResult()
            result.colours = report.colours.map(\.name)
            result.colourTooDark = report.tooDark
            return finished(sentences.colours(report), mode: .colour, result: result, photo: photo, verbosity: verbosity)
        case .light:
            let report = LightMeter().measure(photo.image)
            var result = ModeResult()
            result.brightness = report.brightness
            result.lightLevel = report.level.rawValue
            result.brightest = report.brightest?.rawValue
            result.tonePitch = report.tonePitch
            return finished(sentences.light(report), mode: .light, result: result, photo: photo, verbosity: verbosity)
        }
    }

    /// The same code seen twice (zbar and a retry, or two scan lines) is said once.
    private func unique(_ symbols: [CodeSymbol]) -> [CodeSymbol] {
        var seen = Set<String>()
        return symbols.filter { seen.insert("\($0.symbology.rawValue):\($0.data)").inserted }
    }

    /// What is said for one decoded code, and for a product code how it matched.
    private func codeSentence(_ symbol: CodeSymbol, inDescription: Bool) -> (String, String?) {
        let s = sentences
        guard symbol.symbology.isProductCode, let code = ProductCode(symbol.data, upcE: symbol.symbology == .upcE) else {
            return (s.reading(symbol), nil)
        }
        guard let products else { return (s.reading(symbol), nil) }
        let match: ProductMatch
        do { match = try products.lookup(code) } catch {
            logWarning("mode", "cannot look up a product code", ["reason": "\(error)"])
            return (s.databaseUnreadable(code), nil)
        }
        let kind: String
        switch match {
        case .labelled: kind = "label"
        case .product: kind = "product"
        case .unknown: kind = "unknown"
        }
        if inDescription {
            // Beside a caption, an unknown code is only its number; the how-to-label advice is
            // for product mode.
            if case .unknown = match { return (s.reading(symbol), kind) }
            return (s.catalogue.text(.codeInDescription(text: s.match(match))), kind)
        }
        return (s.match(match), kind)
    }

    private func describeText(_ photo: DecodedPhoto, reading: ReadingState, verbosity: Verbosity) -> PhotoDescription {
        let s = sentences
        let quality = QualityCheck().check(photo.image)
        let checked = DispatchTime.now()
        let warning = quality.problems.first.map { s.catalogue.text($0.kind.message) }
        var result = ModeResult()
        var parts: [String] = warning.map { [$0] } ?? []
        var textInfo: TextInfo?
        var textProblem: String?
        var textMs: Double?
        if quality.has(.covered) {
            // A black frame has no text; the warning says what to do.
        } else if let reader = reading.reader {
            let t = DispatchTime.now()
            do {
                let read = try reader.read(photo.image)
                let layout = DocumentLayout.analyze(read, image: photo.image)
                let summary = s.summary(layout)
                result.wordCount = layout.wordCount
                result.columnCount = layout.columnCount
                result.cutEdges = layout.cutEdges.map(\.rawValue)
                result.layoutSummary = summary
                result.documentText = layout.document.text
                parts.append(summary)
                if !layout.document.text.isEmpty { parts.append(layout.document.text) }
                textInfo = TextInfo(lines: read.lines.map { TextLineInfo(text: $0.text, confidence: Double($0.confidence)) },
                                    language: read.language, rotation: read.rotation, inverted: read.inverted,
                                    droppedWords: read.droppedWords)
            } catch {
                textProblem = "Reading text failed on this photo: \(error)"
                parts.append(s.catalogue.text(.noDescription))
            }
            textMs = PhotoDescriber.milliseconds(t, DispatchTime.now())
        } else {
            textProblem = reading.problem
            parts.append(s.catalogue.text(.readingOff))
        }
        let info = DescriptionInfo(
            message: parts.joined(separator: " "), verbosity: verbosity.wireName,
            quality: QualityInfo(problems: quality.problems.map { QualityProblemInfo(kind: $0.kind.wireName, advice: $0.advice) },
                                 warning: warning, scores: PhotoDescriber.scores(quality.scores)),
            text: textInfo, caption: nil, textProblem: textProblem,
            timings: DescriptionTimings(decode: PhotoDescriber.milliseconds(photo.start, photo.decoded),
                                        quality: PhotoDescriber.milliseconds(photo.decoded, checked), text: textMs, caption: nil,
                                        total: PhotoDescriber.milliseconds(photo.start, DispatchTime.now())),
            mode: .text, modeResult: result)
        return PhotoDescription(outcome: .described(info))
    }

    private func finished(_ message: String, mode: AssistMode, result: ModeResult, photo: DecodedPhoto,
                          verbosity: Verbosity) -> PhotoDescription {
        let info = DescriptionInfo(
            message: message, verbosity: verbosity.wireName, quality: nil, text: nil, caption: nil,
            timings: DescriptionTimings(decode: PhotoDescriber.milliseconds(photo.start, photo.decoded), quality: nil, text: nil,
                                        caption: nil, total: PhotoDescriber.milliseconds(photo.start, DispatchTime.now())),
            mode: mode, modeResult: result)
        return PhotoDescription(outcome: .described(info))
    }

    // MARK: - Labels

    /// Names the product code of the last photo (`change.text`), or removes its label.
    func label(_ change: LabelChange) throws(LabelError) -> LabelInfo {
        let codes = lastCodes
        guard let first = codes.first else { throw .noCode }
        guard let symbol = codes.first(where: { $0.symbology.isProductCode }),
              let code = ProductCode(symbol.data, upcE: symbol.symbology == .upcE) else {
            throw .notAProduct(first.symbology.spokenName)
        }
        guard let products else { throw .database("there is no product database in the state directory") }
        let catalogue = sentences.catalogue
        if change.remove {
            let removed: Bool
            do { removed = try products.removeLabel(for: code) } catch { throw .database("\(error)") }
            return LabelInfo(code: code.digits, label: nil, removed: removed,
                             spoken: catalogue.text(removed ? .labelRemoved : .labelNone))
        }
        let text = (change.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .emptyLabel }
        do { try products.setLabel(text, for: code) } catch { throw .database("\(error)") }
        logInfo("mode", "label saved", ["chars": text.count])
        return LabelInfo(code: code.digits, label: text, removed: false,
                         spoken: catalogue.text(.labelSaved(text: ModeSentences.sentence(text))))
    }
}

import Foundation
import Glibc
import SystemSupport
import Vision

/// `assistd bench`: the Swift side of scripts/bench. Times the engine the way
/// Benchmarks/reference_bench.py times transformers, and prints one JSON object with the same keys.
enum BenchCommand {
    static let help = """
    usage: assistd bench --model DIR --image IMG [--threads N] [--runs R] [--new-tokens T] [--precision fp32|int8] [--json]

    Prints one JSON object: load_ms, preprocess_ms, encoder_ms, greedy_ms, beam4_ms (medians of R
    runs, no warm-up), cross_kv_ms (the image's cross-attention K/V), step1_ms and step4_ms (median
    decoder step for 1 and 4 rows), peak_rss_mb, greedy_tokens, beam4_tokens (new tokens only). Both generations
    make exactly T new tokens (min_new_tokens = max_new_tokens = T). --precision int8 quantizes
    while loading unless DIR holds model.int8.safetensors (assistd model quantize), which is then
    used; without it DIR's own weights decide. See docs/benchmarks.md.

    assistd bench agreement --model FP32DIR --int8-model INT8DIR --images DIR: int8-vs-fp32
    greedy tokens over a folder of images (assistd bench agreement --help).
    """

    static let agreementHelp = """
    usage: assistd bench agreement --model FP32DIR --int8-model INT8DIR --images DIR [--threads N]

    Greedy captions (the model's generation settings, num_beams = 1) of every .jpg/.png in DIR
    with the fp32 and the int8 weights; prints one JSON object: images, greedy_equal (images whose
    tokens are identical), beam4_equal (the same with num_beams = 4), and per image the first
    differing position, the step-0 logits' max abs difference and the fp32 step-0 top-1/top-2 gap.
    See docs/benchmarks.md.
    """

    static func main(_ args: [String]) -> Int32 {
        if args.first == "agreement" { return agreement(Array(args.dropFirst())) }
        var model: String?, image: String?
        var threads = ProcessInfo.processInfo.activeProcessorCount, runs = 5, newTokens = 20
        var precision: WeightPrecision?
        do {
            var arguments = ArgumentCursor(args)
            while let argument = try arguments.next() {
                switch argument {
                case .option("-h"), .option("--help"): print(help); return 0
                // Accepted for scripts/bench: the output is always JSON.
                case .option("--json"): break
                case .option("--model"): model = try arguments.value()
                case .option("--image"): image = try arguments.value()
                case .option("--threads"): threads = try arguments.int(in: 1...4096)
                case .option("--runs"): runs = try arguments.int(in: 1...100_000)
                case .option("--new-tokens"): newTokens = try arguments.int(in: 1...100_000)
                case .option("--precision"):
                    let text = try arguments.value()
                    guard let p = WeightPrecision(rawValue: text) else {
                        throw ArgumentError.invalid("--precision: '\(text)' is not fp32 or int8")
                    }
                    precision = p
                case .option(let other): throw ArgumentError.unknownOption(other)
                case .positional(let other): throw ArgumentError.invalid("unexpected argument '\(other)'")
                }
            }
        } catch {
            return usage("\(error)")
        }
        guard let model, let image else { return usage("--model and --image are required") }
        BLASThreads.set(threads)
        do {
            return try run(model: URL(fileURLWithPath: model), image: image, threads: threads, runs: runs, newTokens: newTokens,
                           precision: precision)
        } catch {
            FileHandle.standardError.write(Data("assistd bench: \(error)\n".utf8))
            return 1
        }
    }

    private static func run(model dir: URL, image: String, threads: Int, runs: Int, newTokens: Int,
                            precision: WeightPrecision?) throws -> Int32 {
        var times: [String: [Double]] = [:]
        var engine: CaptionEngine!
        for _ in 0..<runs {
            engine = nil
            let (t, e) = try timed { try CaptionEngine(modelDirectory: dir, precision: precision) }
            engine = e
            times["load", default: []].append(t)
        }
        func preprocess() throws -> [Float] {
            guard let data = FileManager.default.contents(atPath: image) else {
                throw CaptionCommandError.cannotRead("\(image): unreadable")
            }
            return engine.processor.pixelValues(try ImageDecoder.decode(data))
        }
        func caption(beams: Int) throws -> [Int] {
            var config = engine.generationConfig
            try config.update(["num_beams": .int(beams), "do_sample": false,
                               "min_new_tokens": .int(newTokens), "max_new_tokens": .int(newTokens)])
            let pixels = try preprocess()
            let tokens = try Generator(model: engine.model).generate(pixelValues: pixels, config: config)
            _ = engine.tokenizer.decode(tokens)
            return Array(tokens.dropFirst())
        }
        for _ in 0..<runs {
            let (tp, pixels) = try timed(preprocess)
            times["preprocess", default: []].append(tp)
            let (te, encoded) = try timed { try engine.model.encode(pixelValues: pixels) }
            times["encoder", default: []].append(te)
            // Where a caption's decoding time goes: the image's cross-attention K/V (once per
            // image), then one decoder step per token, for 1 and 4 rows.
            for rows in [1, 4] {
                let (tk, state) = try timed {
                    try engine.model.makeState(encoderOutput: encoded, rows: rows, capacity: newTokens + 1)
                }
                if rows == 1 { times["cross_kv", default: []].append(tk) }
                let feed = [Int](repeating: 0, count: rows)
                var steps: [Double] = []
                for _ in 0..<newTokens {
                    steps.append(try timed { try engine.model.decode(tokens: feed, step: 1, state: state) }.0)
                }
                times[rows == 1 ? "step1" : "step4", default: []].append(BenchReport.median(steps))
            }
        }
        var tokens: [String: [Int]] = [:]
        for (name, beams) in [("greedy", 1), ("beam4", 4)] {
            for _ in 0..<runs {
                let (t, ids) = try timed { try caption(beams: beams) }
                times[name, default: []].append(t)
                if let prev = tokens[name], prev != ids { throw CaptionCommandError.cannotRead("\(name) runs disagree") }
                tokens[name] = ids
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        JSONOutput.print(BenchReport(times: times, peakRSSMiB: Double(usage.ru_maxrss) / 1024,
                                     greedyTokens: tokens["greedy"]!, beam4Tokens: tokens["beam4"]!,
                                     precision: engine.model.precision.rawValue, int8Kernels: "\(WeightPrecision.int8Kernels)",
                                     threads: threads, runs: runs, newTokens: newTokens))
        return 0
    }

    /// `assistd bench agreement`: int8-vs-fp32 greedy tokens over a folder of images.
    static func agreement(_ args: [String]) -> Int32 {
        var model: String?, int8Model: String?, images: String?
        var threads = ProcessInfo.processInfo.activeProcessorCount
        do {
            var arguments = ArgumentCursor(args)
            while let argument = try arguments.next() {
                switch argument {
                case .option("-h"), .option("--help"): print(agreementHelp); return 0
                case .option("--json"): break
                case .option("--model"): model = try arguments.value()
                case .option("--int8-model"): int8Model = try arguments.value()
                case .option("--images"): images = try arguments.value()
                case .option("--threads"): threads = try arguments.int(in: 1...4096)
                case .option(let other): throw ArgumentError.unknownOption(other)
                case .positional(let other): throw ArgumentError.invalid("unexpected argument '\(other)'")
                }
            }
        } catch {
            return usage("\(error)", help: agreementHelp)
        }
        guard let model, let int8Model, let images else {
            return usage("--model, --int8-model and --images are required", help: agreementHelp)
        }
        BLASThreads.set(threads)
        do {
            let engine = try CaptionEngine(modelDirectory: URL(fileURLWithPath: model), precision: .fp32)
            let int8 = try VisionEncoderDecoder(directory: URL(fileURLWithPath: int8Model), precision: .int8)
            guard int8.precision == .int8 else { throw CaptionCommandError.cannotRead("\(int8Model): no int8 weights") }
            var config = engine.generationConfig
            try config.update(["num_beams": 1, "do_sample": false])
            var beamConfig = engine.generationConfig
            try beamConfig.update(["num_beams": 4, "do_sample": false])
            let dir = URL(fileURLWithPath: images)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
            guard !files.isEmpty else { throw CaptionCommandError.cannotRead("\(images): no .jpg or .png images") }
            var perImage: [String: ImageAgreement] = [:]
            var equal = 0, beamEqual = 0, worstLogits: Float = 0
            let start = try config.resolvedDecoderStartTokenID()
            for file in files {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) else {
                    throw CaptionCommandError.cannotRead("\(file): unreadable")
                }
                let pixels = engine.processor.pixelValues(try ImageDecoder.decode(data))
                let a = try engine.model.generate(pixelValues: pixels, config: config)
                let b = try int8.generate(pixelValues: pixels, config: config)
                let la = try engine.model.stepZeroLogits(encoderOutput: engine.model.encode(pixelValues: pixels), decoderStartTokenID: start)
                let lb = try int8.stepZeroLogits(encoderOutput: int8.encode(pixelValues: pixels), decoderStartTokenID: start)
                var diff: Float = 0
                for j in 0..<la.count { diff = max(diff, abs(la[j] - lb[j])) }
                let top = la.sorted(by: >)
                worstLogits = max(worstLogits, diff)
                if a == b { equal += 1 }
                let beamSame = try engine.model.generate(pixelValues: pixels, config: beamConfig)
                    == int8.generate(pixelValues: pixels, config: beamConfig)
                if beamSame { beamEqual += 1 }
                let firstDiff = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? (a.count == b.count ? -1 : min(a.count, b.count))
                perImage[file] = ImageAgreement(equal: a == b, beam4Equal: beamSame, firstDifference: firstDiff, tokens: a.count,
                                                logits0MaxAbsDiff: Double(diff), fp32Logits0TopGap: Double(top[0] - top[1]))
            }
            JSONOutput.print(AgreementReport(images: files.count, greedyEqual: equal, beam4Equal: beamEqual, settings: "model defaults, num_beams 1",
                                             maxLength: config.maxLength, logits0MaxAbsDiff: Double(worstLogits),
                                             perImage: perImage))
            return 0
        } catch {
            FileHandle.standardError.write(Data("assistd bench agreement: \(error)\n".utf8))
            return 1
        }
    }

    private static func timed<T>(_ f: () throws -> T) rethrows -> (Double, T) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let r = try f()
        return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, r)
    }

    private static func usage(_ message: String, help: String = help) -> Int32 {
        FileHandle.standardError.write(Data("assistd bench: \(message)\n\(help)\n".utf8))
        return 2
    }
}

/// What `assistd bench` prints: `<stage>_ms` medians, every run under `runs_ms`, memory and the
/// tokens both generations made (the keys scripts/bench and Benchmarks/reference_bench.py share).
struct BenchReport: Encodable {
    /// Milliseconds of each run, per stage (`load`, `encoder`, `greedy`, ...).
    var times: [String: [Double]]
    var peakRSSMiB: Double
    var greedyTokens: [Int]
    var beam4Tokens: [Int]
    var precision: String
    /// The int8 instruction set chosen at run time (CKernels), reported beside every run.
    var int8Kernels: String
    var threads: Int
    var runs: Int
    var newTokens: Int

    /// The stages whose medians get a `<stage>_ms` key.
    static let stages = ["load", "preprocess", "encoder", "cross_kv", "step1", "step4", "greedy", "beam4"]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode("swift", forKey: Key("side"))
        for stage in Self.stages {
            try c.encode(JSONOutput.rounded(Self.median(times[stage] ?? [])), forKey: Key("\(stage)_ms"))
        }
        try c.encode(JSONOutput.rounded(peakRSSMiB), forKey: Key("peak_rss_mb"))
        try c.encode(greedyTokens, forKey: Key("greedy_tokens"))
        try c.encode(beam4Tokens, forKey: Key("beam4_tokens"))
        try c.encode(precision, forKey: Key("precision"))
        try c.encode(int8Kernels, forKey: Key("int8_kernels"))
        try c.encode(threads, forKey: Key("threads"))
        try c.encode(runs, forKey: Key("runs"))
        try c.encode(newTokens, forKey: Key("new_tokens"))
        try c.encode(times.mapValues { $0.map { JSONOutput.rounded($0) } }, forKey: Key("runs_ms"))
    }

    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// What `assistd bench agreement` prints.
struct AgreementReport: Encodable {
    var images: Int
    var greedyEqual: Int
    var beam4Equal: Int
    var settings: String
    var maxLength: Int
    var logits0MaxAbsDiff: Double
    var perImage: [String: ImageAgreement]

    enum CodingKeys: String, CodingKey {
        case images, settings
        case greedyEqual = "greedy_equal"
        case beam4Equal = "beam4_equal"
        case maxLength = "max_length"
        case logits0MaxAbsDiff = "logits0_max_abs_diff"
        case perImage = "per_image"
    }
}

/// One image of `assistd bench agreement`: whether int8 and fp32 greedy tokens agree, and how
/// close the first step's logits are.
struct ImageAgreement: Encodable {
    var equal: Bool
    /// Whether int8 and fp32 beam-4 tokens agree too.
    var beam4Equal: Bool
    /// The first position where the token sequences differ; -1 when they are equal.
    var firstDifference: Int
    var tokens: Int
    var logits0MaxAbsDiff: Double
    var fp32Logits0TopGap: Double

    enum CodingKeys: String, CodingKey {
        case equal, tokens
        case beam4Equal = "beam4_equal"
        case firstDifference = "first_difference"
        case logits0MaxAbsDiff = "logits0_max_abs_diff"
        case fp32Logits0TopGap = "fp32_logits0_top_gap"
    }
}

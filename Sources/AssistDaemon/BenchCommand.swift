import Foundation
import Glibc
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
    tokens are identical), and per image the first differing position, the step-0 logits' max abs
    difference and the fp32 step-0 top-1/top-2 gap. See docs/benchmarks.md.
    """

    static func main(_ args: [String]) -> Int32 {
        if args.first == "agreement" { return agreement(Array(args.dropFirst())) }
        var model: String?, image: String?
        var threads = ProcessInfo.processInfo.activeProcessorCount, runs = 5, newTokens = 20
        var precision: WeightPrecision?
        var i = 0
        while i < args.count {
            let a = args[i]
            func next() -> String? { i += 1; return i < args.count ? args[i] : nil }
            switch a {
            case "-h", "--help": print(help); return 0
            case "--json": break
            case "--model": model = next()
            case "--image": image = next()
            case "--threads": threads = next().flatMap(Int.init) ?? 0
            case "--runs": runs = next().flatMap(Int.init) ?? 0
            case "--new-tokens": newTokens = next().flatMap(Int.init) ?? 0
            case "--precision":
                guard let p = next().flatMap(WeightPrecision.init(rawValue:)) else { return usage("--precision is fp32 or int8") }
                precision = p
            default: return usage("unknown option \(a)")
            }
            i += 1
        }
        guard let model, let image else { return usage("--model and --image are required") }
        guard threads > 0, runs > 0, newTokens > 0 else { return usage("--threads, --runs and --new-tokens must be positive") }
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
                times[rows == 1 ? "step1" : "step4", default: []].append(median(steps))
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
        var fields: [String] = ["\"side\":\"swift\""]
        for key in ["load", "preprocess", "encoder", "cross_kv", "step1", "step4", "greedy", "beam4"] {
            fields.append("\"\(key)_ms\":\(JSONText.number(median(times[key]!)))")
        }
        fields.append("\"peak_rss_mb\":\(JSONText.number(Double(usage.ru_maxrss) / 1024))")
        fields.append("\"greedy_tokens\":[\(tokens["greedy"]!.map(String.init).joined(separator: ","))]")
        fields.append("\"beam4_tokens\":[\(tokens["beam4"]!.map(String.init).joined(separator: ","))]")
        fields.append("\"precision\":\"\(engine.model.precision.rawValue)\"")
        fields.append("\"threads\":\(threads),\"runs\":\(runs),\"new_tokens\":\(newTokens)")
        let perRun = times.keys.sorted().map { k in
            "\"\(k)\":[\(times[k]!.map(JSONText.number).joined(separator: ","))]"
        }
        fields.append("\"runs_ms\":{\(perRun.joined(separator: ","))}")
        print("{\(fields.joined(separator: ","))}")
        return 0
    }

    /// `assistd bench agreement`: int8-vs-fp32 greedy tokens over a folder of images.
    static func agreement(_ args: [String]) -> Int32 {
        var model: String?, int8Model: String?, images: String?
        var threads = ProcessInfo.processInfo.activeProcessorCount
        var i = 0
        while i < args.count {
            let a = args[i]
            func next() -> String? { i += 1; return i < args.count ? args[i] : nil }
            switch a {
            case "-h", "--help": print(agreementHelp); return 0
            case "--json": break
            case "--model": model = next()
            case "--int8-model": int8Model = next()
            case "--images": images = next()
            case "--threads": threads = next().flatMap(Int.init) ?? 0
            default: return usage("unknown option \(a)", help: agreementHelp)
            }
            i += 1
        }
        guard let model, let int8Model, let images else {
            return usage("--model, --int8-model and --images are required", help: agreementHelp)
        }
        guard threads > 0 else { return usage("--threads must be positive", help: agreementHelp) }
        BLASThreads.set(threads)
        do {
            let engine = try CaptionEngine(modelDirectory: URL(fileURLWithPath: model), precision: .fp32)
            let int8 = try VisionEncoderDecoder(directory: URL(fileURLWithPath: int8Model), precision: .int8)
            guard int8.precision == .int8 else { throw CaptionCommandError.cannotRead("\(int8Model): no int8 weights") }
            var config = engine.generationConfig
            try config.update(["num_beams": 1, "do_sample": false])
            let dir = URL(fileURLWithPath: images)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
                .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
            guard !files.isEmpty else { throw CaptionCommandError.cannotRead("\(images): no .jpg or .png images") }
            var perImage: [String: Any] = [:]
            var equal = 0, worstLogits: Float = 0
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
                let firstDiff = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? (a.count == b.count ? -1 : min(a.count, b.count))
                perImage[file] = ["equal": a == b, "first_difference": firstDiff, "tokens": a.count,
                                  "logits0_max_abs_diff": Double(diff), "fp32_logits0_top_gap": Double(top[0] - top[1])]
            }
            let out: [String: Any] = ["images": files.count, "greedy_equal": equal, "settings": "model defaults, num_beams 1",
                                      "max_length": config.maxLength, "logits0_max_abs_diff": Double(worstLogits),
                                      "per_image": perImage]
            print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]), as: UTF8.self))
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

    private static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func usage(_ message: String, help: String = help) -> Int32 {
        FileHandle.standardError.write(Data("assistd bench: \(message)\n\(help)\n".utf8))
        return 2
    }
}

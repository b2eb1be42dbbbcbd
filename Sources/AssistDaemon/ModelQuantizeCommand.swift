import Foundation
import SystemSupport
import Vision

/// `assistd model quantize`: writes an int8 copy of a model directory once, for small devices.
/// The output directory gets the small files (config, generation config, preprocessor,
/// tokenizer) copied and `model.int8.safetensors` (format: docs/quantization.md) instead of the
/// fp32 weights; `assistd run --model OUT` then loads it memory-mapped.
enum ModelQuantizeCommand {
    static let help = """
    usage: assistd model quantize --model DIR --out DIR2

    Quantizes every weight matrix of the fp32 checkpoint in DIR to int8 with one fp32 scale per
    output row and writes DIR2/model.int8.safetensors plus copies of DIR's config, generation,
    preprocessor and tokenizer files. DIR2 is created; files already there are replaced.
    """

    /// Files copied unchanged when present.
    static let copied = ["config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
                         "tokenizer_config.json", "vocab.json", "merges.txt", "special_tokens_map.json",
                         "added_tokens.json"]

    static func main(_ args: [String]) -> Int32 {
        guard args.first == "quantize" else { return usage("unknown or missing model subcommand") }
        var model: String?, out: String?
        do {
            var arguments = ArgumentCursor(args.dropFirst())
            while let argument = try arguments.next() {
                switch argument {
                case .option("-h"), .option("--help"): print(help); return 0
                case .option("--model"): model = try arguments.value()
                case .option("--out"): out = try arguments.value()
                case .option(let other): throw ArgumentError.unknownOption(other)
                case .positional(let other): throw ArgumentError.invalid("unexpected argument '\(other)'")
                }
            }
        } catch {
            return usage("\(error)")
        }
        guard let model, let out else { return usage("--model and --out are required") }
        let src = URL(fileURLWithPath: model), dst = URL(fileURLWithPath: out)
        guard src.standardizedFileURL != dst.standardizedFileURL else { return usage("--out must differ from --model") }
        do {
            let fm = FileManager.default
            try FileSystem.makeDirectory(dst.path, mode: 0o755, parentMode: 0o755)
            let t0 = DispatchTime.now().uptimeNanoseconds
            try VisionEncoderDecoder.writeQuantized(directory: src, to: dst)
            for name in copied where fm.fileExists(atPath: src.appendingPathComponent(name).path) {
                let target = dst.appendingPathComponent(name)
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                try fm.copyItem(at: src.appendingPathComponent(name), to: target)
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            print("wrote \(dst.appendingPathComponent("model.int8.safetensors").path) in \(Int(ms)) ms")
            return 0
        } catch {
            FileHandle.standardError.write(Data("assistd model quantize: \(error)\n".utf8))
            return 1
        }
    }

    private static func usage(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data("assistd model: \(message)\n\(help)\n".utf8))
        return 2
    }
}

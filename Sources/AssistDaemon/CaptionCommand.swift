import Foundation
import SystemSupport
import Vision

/// `assistd caption`: load a model once, caption each image, print one result per image.
///
/// A bad image gets one line on stderr naming the file and the reason; the other images are still
/// captioned, and the exit status is 1 at the end.
enum CaptionCommand {
    static let help = """
    usage: assistd caption --model DIR [--beams N] [--max-length N] [--max-new-tokens N]
                           [--threads N] [--json] IMAGE...

    Captions each IMAGE (JPEG or PNG) with the checkpoint in DIR and prints one line per image:
    `IMAGE: caption`, or with --json one JSON object per line:
      {"image": PATH, "caption": TEXT, "tokens": [...],
       "timing_ms": {"decode": x, "encode": y, "generate": z}}
    `tokens` is exactly the sequence transformers' generate returns: the decoder start token
    first, and the end-of-text token last when the model produced it.

    options:
      --model DIR          Hugging Face VisionEncoderDecoder checkpoint directory (config.json,
                           model.safetensors or pytorch_model.bin, preprocessor_config.json,
                           vocab.json, merges.txt, ...). Default: $ASSIST_MODEL.
      --beams N            beam count (1 = greedy). Default: the checkpoint's generation config.
      --max-length N       maximum sequence length, decoder start token included.
      --max-new-tokens N   maximum number of generated tokens (overrides --max-length).
      --threads N          BLAS threads. Default: the number of CPU cores.
      --json               print JSON lines instead of text.
      -h, --help           show this help.

    exit status: 0 all images captioned; 1 at least one image failed; 2 usage error;
                 3 the model could not be loaded.
    """

    static func main(_ args: [String]) -> Int32 {
        var modelPath = ProcessInfo.processInfo.environment["ASSIST_MODEL"]
        var overrides = GenerationOverrides()
        var json = false
        var threads: Int?
        var images: [String] = []
        do {
            var arguments = ArgumentCursor(args)
            while let argument = try arguments.next() {
                switch argument {
                case .option("-h"), .option("--help"): print(help); return 0
                case .option("--json"): json = true
                case .option("--model"): modelPath = try arguments.value()
                case .option("--beams"): overrides.numBeams = try arguments.int(in: GenerationConfig.numBeamsLimit)
                case .option("--max-length"): overrides.maxLength = try arguments.int(in: GenerationConfig.lengthLimit)
                case .option("--max-new-tokens"): overrides.maxNewTokens = try arguments.int(in: GenerationConfig.lengthLimit)
                case .option("--threads"): threads = try arguments.int(in: 1...Int.max)
                case .positional(let image): images.append(image)
                case .option(let other): throw ArgumentError.unknownOption(other)
                }
            }
        } catch {
            fail("\(error)")
            return 2
        }
        guard let modelPath else { fail("no model: pass --model DIR or set ASSIST_MODEL"); return 2 }
        guard !images.isEmpty else { fail("no images given"); return 2 }
        if let threads { BLASThreads.set(threads) }

        let engine: CaptionEngine
        do {
            engine = try CaptionEngine(modelDirectory: URL(fileURLWithPath: modelPath))
        } catch {
            fail("cannot load model from \(modelPath): \(error)")
            return 3
        }

        var failed = 0
        for path in images {
            do {
                let data = try readImage(path)
                let c = try engine.caption(imageData: data, overrides: overrides)
                if json {
                    JSONOutput.print(CaptionJSON(image: path, caption: c))
                } else {
                    FileHandle.standardOutput.write(Data("\(path): \(c.text)\n".utf8))
                }
            } catch {
                failed += 1
                fail("\(path): \(error)")
            }
        }
        return failed == 0 ? 0 : 1
    }

    private static func readImage(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw CaptionCommandError.cannotRead("no such file")
        }
        if isDir.boolValue { throw CaptionCommandError.cannotRead("is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptionCommandError.cannotRead("permission denied or unreadable")
        }
        return data
    }

    private static func fail(_ message: String) {
        FileHandle.standardError.write(Data("assistd caption: \(message)\n".utf8))
    }
}

enum CaptionCommandError: Error, CustomStringConvertible {
    case cannotRead(String)
    var description: String {
        switch self {
        case .cannotRead(let why): return "cannot read image: \(why)"
        }
    }
}

/// What `assistd caption --json` prints for one image.
struct CaptionJSON: Encodable {
    struct Timings: Encodable {
        var decode: Double
        var encode: Double
        var generate: Double
    }

    var image: String
    var caption: String
    var tokens: [Int]
    var timingMs: Timings

    enum CodingKeys: String, CodingKey {
        case image, caption, tokens
        case timingMs = "timing_ms"
    }

    init(image: String, caption c: Caption) {
        self.image = image
        caption = c.text
        tokens = c.tokens
        timingMs = Timings(decode: JSONOutput.rounded(c.timings.decode), encode: JSONOutput.rounded(c.timings.encode),
                           generate: JSONOutput.rounded(c.timings.generate))
    }
}

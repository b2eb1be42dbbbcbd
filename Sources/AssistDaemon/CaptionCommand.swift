import Foundation
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
        var i = 0
        func value(_ name: String) -> String? {
            i += 1
            guard i < args.count else { fail("\(name) needs a value"); return nil }
            return args[i]
        }
        func number(_ name: String) -> Int? {
            guard let v = value(name) else { return nil }
            guard let n = Int(v), n > 0 else { fail("\(name) needs a positive whole number, got '\(v)'"); return nil }
            return n
        }
        while i < args.count {
            let a = args[i]
            switch a {
            case "-h", "--help": print(help); return 0
            case "--json": json = true
            case "--model": guard let v = value(a) else { return 2 }; modelPath = v
            case "--beams": guard let n = number(a) else { return 2 }; overrides.numBeams = n
            case "--max-length": guard let n = number(a) else { return 2 }; overrides.maxLength = n
            case "--max-new-tokens": guard let n = number(a) else { return 2 }; overrides.maxNewTokens = n
            case "--threads": guard let n = number(a) else { return 2 }; threads = n
            case "--": images += args[(i + 1)...]; i = args.count
            default:
                if a.hasPrefix("-") && a != "-" { fail("unknown option \(a)"); return 2 }
                images.append(a)
            }
            i += 1
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
                let line = json ? jsonLine(image: path, caption: c) : "\(path): \(c.text)"
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
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

    static func jsonLine(image: String, caption c: Caption) -> String {
        let t = c.timings
        let tokens = c.tokens.map(String.init).joined(separator: ",")
        return "{\"image\":\(JSONText.quote(image)),\"caption\":\(JSONText.quote(c.text)),"
            + "\"tokens\":[\(tokens)],\"timing_ms\":{\"decode\":\(JSONText.number(t.decode)),"
            + "\"encode\":\(JSONText.number(t.encode)),\"generate\":\(JSONText.number(t.generate))}}"
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

/// Minimal JSON text helpers that keep key order stable for line-oriented output.
enum JSONText {
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func number(_ x: Double) -> String { String(format: "%.3f", x) }
}

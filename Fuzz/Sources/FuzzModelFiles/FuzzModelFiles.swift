import Foundation
import Vision

/// The files of a model directory that are parsed as text or JSON, in the order the input's first
/// byte selects them.
let names = [
    "config.json", "generation_config.json", "preprocessor_config.json", "tokenizer.json",
    "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
]

/// Two copies of a small real model's text files (`ASSIST_FUZZ_MODEL_DIR`, set by scripts/fuzz):
/// one with `vocab.json` + `merges.txt`, one with only `tokenizer.json`, so both tokenizer paths
/// are reachable. The fuzzed file replaces one of them for one run and is then restored.
let bases: (pair: URL, json: URL) = {
    guard let source = ProcessInfo.processInfo.environment["ASSIST_FUZZ_MODEL_DIR"] else {
        fatalError("set ASSIST_FUZZ_MODEL_DIR to a model directory such as Tests/Fixtures/models/tiny-st")
    }
    let fm = FileManager.default
    let top = fm.temporaryDirectory.appendingPathComponent("assist-fuzz-\(getpid())")
    let pair = top.appendingPathComponent("pair"), json = top.appendingPathComponent("json")
    for dir in [pair, json] {
        try? fm.removeItem(at: dir)
        try! fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in names {
            if dir == json && (name == "vocab.json" || name == "merges.txt") { continue }
            if dir == pair && name == "tokenizer.json" { continue }
            let from = URL(fileURLWithPath: source).appendingPathComponent(name)
            if fm.fileExists(atPath: from.path) { try! fm.copyItem(at: from, to: dir.appendingPathComponent(name)) }
        }
    }
    return (pair, json)
}()

/// libFuzzer entry: byte 0 picks the file, the rest is its content. The directory is then read
/// as the daemon reads a model: model config, generation config, preprocessor config, tokenizer;
/// a tokenizer that loads must round-trip a sentence through encode and decode without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let name = names[Int(data[0]) % names.count]
    let dir = name == "tokenizer.json" ? bases.json : (name == "vocab.json" || name == "merges.txt" ? bases.pair : (data[0] & 0x80 != 0 ? bases.json : bases.pair))
    let url = dir.appendingPathComponent(name)
    let saved = try? Data(contentsOf: url)
    try! Data(bytes: data + 1, count: size - 1).write(to: url)
    defer {
        if let saved { try! saved.write(to: url) } else { try? FileManager.default.removeItem(at: url) }
    }
    _ = try? VisionEncoderDecoderConfig.load(directory: dir)
    _ = try? GenerationConfig(directory: dir)
    _ = try? ImageProcessorConfig(contentsOf: dir.appendingPathComponent("preprocessor_config.json"))
    if let tokenizer = try? BPETokenizer(directory: dir) {
        let ids = tokenizer.encode("A photo of a cat on a mat. Café 日本 <|endoftext|> \u{1F600}")
        _ = tokenizer.decode(ids)
        _ = tokenizer.decode(ids, skipSpecialTokens: false, cleanUpTokenizationSpaces: false)
    }
    return 0
}

// MARK: - Entry

// SwiftPM links an executable target's `main` as an alias of `FuzzModelFiles_main` (so tests can link
// the module); under -parse-as-library nothing defines that, so it is libFuzzer's driver here.
// In the same file as the harness: with -Onone, a second file that takes `testOneInput` as a C
// function pointer emits its own copy of the `LLVMFuzzerTestOneInput` thunk.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process entry: runs libFuzzer on `testOneInput` (exported as `LLVMFuzzerTestOneInput`).
@_cdecl("FuzzModelFiles_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}

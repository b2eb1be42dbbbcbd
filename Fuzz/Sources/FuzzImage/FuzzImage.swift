import Foundation
import Vision

/// libFuzzer entry: the input is a whole photo file. It is decoded as the daemon decodes it
/// (signature sniffing, header limits, EXIF orientation), and a second time with a small
/// decode budget so the DCT-scaled path is exercised too. Any error is a correct answer; a trap,
/// an ASan report or a leak is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let image = try? ImageDecoder.decode(bytes) {
        precondition(image.pixels.count == image.width * image.height * 3, "RGB buffer size differs from its dimensions")
    }
    let budget = DecodeBudget(maxPixels: 4096, minimumShortSide: 16, maxBytes: 64 << 20)
    if let image = try? ImageDecoder.decode(bytes, budget: budget) {
        precondition(image.pixels.count == image.width * image.height * 3, "RGB buffer size differs from its dimensions")
    }
    return 0
}

// MARK: - Entry

// SwiftPM links an executable target's `main` as an alias of `FuzzImage_main` (so tests can link
// the module); under -parse-as-library nothing defines that, so it is libFuzzer's driver here.
// In the same file as the harness: with -Onone, a second file that takes `testOneInput` as a C
// function pointer emits its own copy of the `LLVMFuzzerTestOneInput` thunk.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process entry: runs libFuzzer on `testOneInput` (exported as `LLVMFuzzerTestOneInput`).
@_cdecl("FuzzImage_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}

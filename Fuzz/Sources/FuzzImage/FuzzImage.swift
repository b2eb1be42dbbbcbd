import Foundation
import Vision

/// libFuzzer entry: the input is a whole photo file. It is decoded as the daemon decodes it
/// (signature sniffing, header limits, EXIF orientation), and a second time with a small
/// decode budget so the DCT-scaled path is exercised too. Any error is a correct answer; a trap,
/// an ASan report or a leak is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
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

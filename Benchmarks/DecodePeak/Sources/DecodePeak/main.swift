import Foundation
import Glibc
import Vision

// usage: DecodePeak PHOTO [MAX_PIXELS MIN_SHORT_SIDE MAX_BYTES]
// Prints the decoded size and the peak RSS (getrusage ru_maxrss) of this process.
let args = CommandLine.arguments
guard args.count == 2 || args.count == 5 else {
    FileHandle.standardError.write(Data("usage: DecodePeak PHOTO [MAX_PIXELS MIN_SHORT_SIDE MAX_BYTES]\n".utf8))
    exit(2)
}
let data = try Data(contentsOf: URL(fileURLWithPath: args[1]))
let budget = args.count == 5 ? DecodeBudget(maxPixels: Int(args[2])!, minimumShortSide: Int(args[3])!, maxBytes: Int(args[4])!) : nil
/// Peak resident memory of this process so far, in MiB.
func peakMiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss / 1024
}
let start = Date()
do {
    let image = try ImageDecoder.decode(data, budget: budget)
    print("decoded \(image.width)x\(image.height) in \(Int(Date().timeIntervalSince(start) * 1000)) ms, peak RSS \(peakMiB()) MiB")
} catch {
    print("refused: \(error); peak RSS \(peakMiB()) MiB")
}

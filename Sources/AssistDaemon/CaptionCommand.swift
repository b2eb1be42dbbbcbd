import Foundation
import Vision

/// `assistd caption`: caption images once and print the result.
enum CaptionCommand {
    // NOTE(skeleton): filled in by the engine work.
    static func main(_ args: [String]) -> Int32 {
        FileHandle.standardError.write(Data("assistd caption: not built yet\n".utf8))
        return 1
    }
}

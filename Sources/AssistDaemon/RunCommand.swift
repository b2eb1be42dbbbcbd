import Foundation

/// `assistd run`: the long-running service.
enum RunCommand {
    // NOTE(skeleton): filled in by the daemon work.
    static func main(_ args: [String]) -> Int32 {
        FileHandle.standardError.write(Data("assistd run: not built yet\n".utf8))
        return 1
    }
}

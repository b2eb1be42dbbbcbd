import Foundation
import IPC

// assist: the client for assistd. NOTE(skeleton): filled in by the daemon work.
FileHandle.standardError.write(Data("assist: not built yet\n".utf8))
exit(1)

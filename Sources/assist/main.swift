import Foundation
#if canImport(Glibc)
import Glibc
#endif

// assist: the client for assistd. See ClientCommand for commands and exit codes.
signal(SIGPIPE, SIG_IGN)
exit(ClientCommand.main(Array(CommandLine.arguments.dropFirst())))

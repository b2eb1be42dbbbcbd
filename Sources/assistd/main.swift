import AssistDaemon
#if canImport(Glibc)
import Glibc
#endif

// assistd: everything lives in the AssistDaemon library, which the in-process tests import too.
exit(Assistd.main(Array(CommandLine.arguments.dropFirst())))

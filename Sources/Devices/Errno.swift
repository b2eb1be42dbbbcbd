import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// errno's text (`strerror`), for errors that name what a system call said.
func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

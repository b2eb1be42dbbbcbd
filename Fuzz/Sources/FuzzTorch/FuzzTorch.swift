import FuzzCheckpoint

/// libFuzzer entry: the input is a `pytorch_model.bin`: torch zip and restricted pickle (see
/// `CheckpointInput`).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CheckpointInput.run(data, size, fileName: "pytorch_model.bin")
}

// MARK: - Entry

// SwiftPM links an executable target's `main` as an alias of `FuzzTorch_main` (so tests can link
// the module); under -parse-as-library nothing defines that, so it is libFuzzer's driver here.
// In the same file as the harness: with -Onone, a second file that takes `testOneInput` as a C
// function pointer emits its own copy of the `LLVMFuzzerTestOneInput` thunk.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The process entry: runs libFuzzer on `testOneInput` (exported as `LLVMFuzzerTestOneInput`).
@_cdecl("FuzzTorch_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}

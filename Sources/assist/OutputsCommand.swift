import IPC

/// `assist outputs`: the audio outputs, one a line, the one in use marked with `*`, each name
/// as `speech = device:NAME` and `assist voice --output NAME` take it.
enum OutputsCommand {
    static func print(_ info: OutputsInfo) {
        for o in info.outputs {
            let mark = o.inUse ? "*" : " "
            Swift.print("\(mark) \(o.name)" + (o.description.isEmpty ? "" : "  (\(o.description))"))
        }
        if info.outputs.isEmpty { Swift.print("No audio outputs found.") }
        if info.current == nil { Swift.print("speech goes to \(info.sink), not to an audio output") }
    }
}

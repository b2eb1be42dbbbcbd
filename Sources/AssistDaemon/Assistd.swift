import Foundation
import Speech

/// `assistd`: the assist daemon's commands. `run` is the service; `caption` captions images once
/// and exits. The executable's main.swift only calls `main`, so tests can drive the services here.
public enum Assistd {
    static let usage = """
usage: assistd <command> [options]

commands:
  run        watch folders and the socket, caption each photo and speak it (see `assistd run --help`)
  caption    caption images once and print the result (see `assistd caption --help`)
  bench      time the engine for scripts/bench (see `assistd bench --help`)
  model      `assistd model quantize`: write an int8 copy of a checkpoint (see `assistd model --help`)
"""

    /// Runs the command named by `arguments[0]` and returns the process's exit status.
    public static func main(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return 2
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "run": return RunCommand.main(rest)
        case "caption": return CaptionCommand.main(rest)
        case "bench": return BenchCommand.main(rest)
        case "model": return ModelQuantizeCommand.main(rest)
        // Hidden: started by the Speaker for each utterance (docs/speech.md, "Worker processes").
        case "speech-worker": return SpeechWorker.main(rest)
        case "-h", "--help", "help": print(usage); return 0
        default:
            FileHandle.standardError.write(Data("assistd: unknown command '\(command)'\n\(usage)\n".utf8))
            return 2
        }
    }
}

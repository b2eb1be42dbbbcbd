import Foundation
import Speech

// assistd: the assist daemon. `run` is the service; `caption` captions images once and exits.
let usage = """
usage: assistd <command> [options]

commands:
  run        watch folders and the socket, caption each photo and speak it (see `assistd run --help`)
  caption    caption images once and print the result (see `assistd caption --help`)
  bench      time the engine for scripts/bench (see `assistd bench --help`)
  model      `assistd model quantize`: write an int8 copy of a checkpoint (see `assistd model --help`)
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
let rest = Array(arguments.dropFirst())
switch command {
case "run": exit(RunCommand.main(rest))
case "caption": exit(CaptionCommand.main(rest))
case "bench": exit(BenchCommand.main(rest))
case "model": exit(ModelQuantizeCommand.main(rest))
// Hidden: started by the Speaker for each utterance (docs/speech.md, "Worker processes").
case "speech-worker": exit(SpeechWorker.main(rest))
case "-h", "--help", "help": print(usage); exit(0)
default:
    FileHandle.standardError.write(Data("assistd: unknown command '\(command)'\n\(usage)\n".utf8))
    exit(2)
}

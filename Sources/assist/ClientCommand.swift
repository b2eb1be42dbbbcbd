import Foundation
import IPC
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Parses `assist` command lines, sends one request and prints the answer.
enum ClientCommand {
    static let usage = """
    usage: assist [--json] [--socket PATH] [--timeout SECONDS] <command> [options]

    commands:
      caption IMAGE|-     describe a photo (a file, or - for standard input) and speak it:
                          quality warning, caption, text; prints what is said
                          [--no-speak] [--beams N] [--max-length N] [--max-new-tokens N]
                          [--mode describe|text|product|colour|light] (this photo only)
      mode [NAME]         show the mode, or set it (kept after a restart): describe, text,
                          product, colour, light
      label TEXT          name the product code in the last photo; label --remove forgets it
      status              model, text reading, queue, speech and voice
      say TEXT            speak TEXT
      stop                silence speech now and drop what is queued
      repeat              say the last description again
      history [--limit N] the last N descriptions (default 10)
      voice [--rate N] [--pitch N] [--volume N] [--voice NAME] [--language TAG] [--output PCM]
                          show or change the voice and the audio output (changes are kept
                          after a restart)
      outputs             the audio outputs (ALSA playback devices); * marks the one in use
      events              print photo and speech events as they happen
      pause | resume      pause reading what was last read aloud; resume from that sentence
      next | previous [--paragraph]
                          read on from the next or previous sentence (or paragraph)
      spell               spell the last word heard, letter by letter
      products import FILE
                          replace the product database with an Open Food Facts export
                          (tab-separated) or a code,name CSV; prints progress
      snap [--no-speak]   take a photo with assistd's camera and describe it, as caption does
      forget --all | --last N
                          erase descriptions from the journal and the history (and photos
                          the daemon captured); says what was erased
      model install [REPO_ID] [--revision R] [--models DIR] [--precision fp32|int8]
                          download a captioning model from the Hugging Face hub (default
                          gagan3012/ViTGPT2_vizwiz); resumes, checks sizes and SHA-256;
                          below 2 GB of memory also writes and selects its int8 copy
      model list [--models DIR]
                          the installed models; * marks the one in use
      model use NAME [--models DIR]
                          choose the model in use; assistd switches without a restart
      model reload        load the model again, also one skipped after a crash or for memory

    --json prints the daemon's JSON answer (for `model`, a JSON object of the result). The
    socket is --socket, else $ASSIST_SOCKET, else $XDG_RUNTIME_DIR/assist/assist.sock, else
    /run/assist/assist.sock. The models directory is --models, else the running assistd's, else
    $XDG_DATA_HOME/assist/models (~/.local/share/assist/models). HF_ENDPOINT and HF_TOKEN are read
    as huggingface_hub reads them.
    exit codes: 0 ok, 1 request failed, 2 usage, 3 assistd not running, 4 not allowed,
                5 busy, 6 no model installed, 7 communication error, 8 download failed,
                9 checksum mismatch, 10 unknown model, 11 not a usable checkpoint,
                12 models directory not writable (permission, disk full)
    """

    struct UsageError: Error { var message: String }

    struct Options {
        var json = false
        var socket: String?
        var timeout: Double?
        var command = ""
        var rest: [String] = []
    }

    static func main(_ args: [String]) -> Int32 {
        do {
            let o = try parseGlobal(args)
            if o.command == "help" || o.command.isEmpty {
                print(usage)
                return o.command.isEmpty ? ExitCode.usage.rawValue : 0
            }
            return try run(o).rawValue
        } catch let e as UsageError {
            FileHandle.standardError.write(Data("assist: \(e.message)\n\(usage)\n".utf8))
            return ExitCode.usage.rawValue
        } catch {
            FileHandle.standardError.write(Data("assist: \(error)\n".utf8))
            return ExitCode.communication.rawValue
        }
    }

    /// Reads the global options wherever they stand; the first positional argument is the
    /// command and the rest goes to it as given.
    static func parseGlobal(_ args: [String]) throws -> Options {
        var o = Options()
        var arguments = ArgumentCursor(args)
        do {
            while let argument = try arguments.next() {
                switch argument {
                case .option("--json"): o.json = true
                case .option("--socket"): o.socket = try arguments.value()
                case .option("--timeout"): o.timeout = try arguments.double(in: 0.001...Double.greatestFiniteMagnitude)
                case .option("-h"), .option("--help"): o.command = "help"
                case .option: o.rest.append(arguments.optionAsGiven())
                case .positional(let p):
                    if o.command.isEmpty { o.command = p } else { o.rest.append(p) }
                }
            }
        } catch {
            throw UsageError(message: "\(error)")
        }
        return o
    }

    static func socketPath(_ o: Options) -> String {
        if let s = o.socket { return s }
        let env = ProcessInfo.processInfo.environment
        if let s = env["ASSIST_SOCKET"], !s.isEmpty { return s }
        if let r = env["XDG_RUNTIME_DIR"] {
            let user = "\(r)/assist/assist.sock"
            if FileManager.default.fileExists(atPath: user) || !FileManager.default.fileExists(atPath: "/run/assist/assist.sock") {
                return user
            }
        }
        return "/run/assist/assist.sock"
    }

    /// A subcommand's options as parsed: text values, whole numbers and flags by option name.
    struct Parsed {
        var values: [String: String] = [:]
        var numbers: [String: Int] = [:]
        var flags: Set<String> = []
        var positional: [String] = []
    }

    /// Reads a subcommand's options: `text` take any value, `numbers` a whole number in its
    /// range (a bad one is a usage error naming the option), `flags` none.
    static func options(_ rest: [String], text: Set<String> = [], numbers: [String: ClosedRange<Int>] = [:],
                        flags: Set<String> = []) throws -> Parsed {
        var parsed = Parsed()
        var arguments = ArgumentCursor(rest)
        do {
            while let argument = try arguments.next() {
                switch argument {
                case .option(let name) where flags.contains(name): parsed.flags.insert(name)
                case .option(let name) where text.contains(name): parsed.values[name] = try arguments.value()
                case .option(let name):
                    guard let range = numbers[name] else { throw ArgumentError.unknownOption(name) }
                    parsed.numbers[name] = try arguments.int(in: range)
                case .positional(let p): parsed.positional.append(p)
                }
            }
        } catch {
            throw UsageError(message: "\(error)")
        }
        return parsed
    }

    static func run(_ o: Options) throws -> ExitCode {
        if o.command == "model" { return try ModelCommand.run(o) }
        if o.command == "products" { return try ProductsClient.run(o) }
        var attachment = Data()
        var descriptor: Int32?
        defer { if let d = descriptor { close(d) } }
        let body: RequestBody
        var timeout = o.timeout ?? 15
        switch o.command {
        case "caption":
            let p = try options(o.rest, text: ["--mode"], numbers: ["--beams": 1...Int.max, "--max-length": 1...Int.max, "--max-new-tokens": 1...Int.max],
                                flags: ["--no-speak"])
            let pos = p.positional
            guard pos.count == 1 else { throw UsageError(message: "caption needs one IMAGE, or - for standard input") }
            var request = CaptionRequest(photo: .descriptor, name: nil, speak: !p.flags.contains("--no-speak"),
                                         numBeams: p.numbers["--beams"], maxLength: p.numbers["--max-length"],
                                         maxNewTokens: p.numbers["--max-new-tokens"], mode: try captionMode(p.values["--mode"]))
            if pos[0] == "-" {
                attachment = FileHandle.standardInput.readDataToEndOfFile()
                request.photo = .bytes
                request.name = "from standard input"
            } else {
                let fd = open(pos[0], O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    FileHandle.standardError.write(Data("assist: cannot open \(pos[0]): \(String(cString: strerror(errno)))\n".utf8))
                    return .requestFailed
                }
                descriptor = fd
                request.name = (pos[0] as NSString).lastPathComponent
            }
            body = .caption(request)
            timeout = o.timeout ?? 300
        case "status":
            guard o.rest.isEmpty else { throw UsageError(message: "status takes no arguments") }
            body = .status
        case "say":
            guard !o.rest.isEmpty else { throw UsageError(message: "say needs TEXT") }
            body = .say(text: o.rest.joined(separator: " "))
        case "stop":
            body = .stop
        case "repeat":
            body = .repeatLast
        case "history":
            let p = try options(o.rest, numbers: ["--limit": 1...Int.max])
            guard p.positional.isEmpty else { throw UsageError(message: "history takes only --limit N") }
            body = .history(limit: p.numbers["--limit"] ?? 10)
        case "voice":
            // The daemon checks the ranges espeak-ng accepts and names the setting.
            let anyNumber = Int.min...Int.max
            let p = try options(o.rest, text: ["--voice", "--language", "--output"],
                                numbers: ["--rate": anyNumber, "--pitch": anyNumber, "--volume": anyNumber])
            guard p.positional.isEmpty else { throw UsageError(message: "voice takes only options") }
            body = .voice(VoiceChange(rate: p.numbers["--rate"], pitch: p.numbers["--pitch"], volume: p.numbers["--volume"],
                                      voice: p.values["--voice"], language: p.values["--language"], output: p.values["--output"]))
        case "events":
            body = .events
        // MARK: - voice
        case "outputs":
            guard o.rest.isEmpty else { throw UsageError(message: "outputs takes no arguments") }
            body = .outputs
        case let command where ReadingClient.commands.contains(command):
            body = try ReadingClient.body(command, o.rest)
        case "snap":
            body = try SnapCommand.body(o.rest)
            timeout = o.timeout ?? 300
        case "mode": body = try modeRequest(o.rest)
        case "label": body = try labelRequest(o.rest)
        case "forget":
            body = try ForgetCommand.request(o.rest)
        default:
            throw UsageError(message: "unknown command '\(o.command)'")
        }

        let path = socketPath(o)
        let connection: FrameConnection
        do { connection = try FrameConnection(path: path) } catch let e as UnixSocketError {
            return report(e, path: path)
        }
        do {
            let response = try connection.call(body, attachment: attachment, descriptor: descriptor, timeout: timeout)
            if let d = descriptor { close(d); descriptor = nil }
            let code = show(response, json: o.json, path: path)
            if case .subscribed = response.body { return try follow(connection, json: o.json, path: path) }
            return code
        } catch let e as UnixSocketError {
            return report(e, path: path)
        } catch let e as RemoteError {
            FileHandle.standardError.write(Data("assist: \(e.message)\n".utf8))
            return .communication
        }
    }

    static func report(_ e: UnixSocketError, path: String) -> ExitCode {
        switch e {
        case .notListening:
            say("assistd is not running (nothing is listening on \(path)).")
            return .notRunning
        case .permissionDenied:
            say("You are not allowed to use assistd: permission denied on \(path).")
            return .forbidden
        case .closed:
            say("assistd closed the connection before answering.")
            return .communication
        case .timedOut(let s):
            say("assistd did not answer within \(Int(s)) seconds.")
            return .communication
        case .pathTooLong, .system:
            say("Cannot talk to assistd: \(e).")
            return .communication
        }
    }

    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func printJSON(_ r: Response) {
        let data = Wire.frame(r).json
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Prints a response; returns the exit code it means.
    static func show(_ r: Response, json: Bool, path: String) -> ExitCode {
        if json { printJSON(r) }
        switch r.body {
        case .failure(let e):
            if !json {
                if e.code == .forbidden {
                    say("assistd refused this connection: it accepts only its own user, root, or its configured group.")
                } else {
                    say(e.message)
                }
            }
            return ExitCode(e.code)
        case _ where json:
            return .ok
        case .caption(let c):
            print(c.description.message)
        case .status(let s):
            print("assistd \(s.version), protocol \(s.protocolVersion), up \(Int(s.uptimeSeconds)) s")
            print("model: " + modelLine(s.model))
            print("models directory: \(s.model.modelsDirectory)")
            let r = s.reading
            print("text reading: " + (r.available ? "language \(r.language)" : (r.problem ?? "not available")))
            // As the `verbosity` key in assistd.conf spells it.
            print("verbosity: " + s.verbosity.rawValue.replacingOccurrences(of: "_", with: "-"))
            print("queue: \(s.queueLength)")
            if let j = s.journalProblem { print("records: cannot be saved, photos are waiting (\(j))") }
            print("speech: \(s.speech.sink), " + (s.speech.ok ? "working" : "not working") + (s.speech.detail.map { " (\($0))" } ?? "")
                  + ", \(s.speech.queueLength) queued")
            print("voice: rate \(s.voice.rate), pitch \(s.voice.pitch), volume \(s.voice.volume), voice \(s.voice.voice)"
                  + (s.voice.output.map { ", output \($0)" } ?? ""))
            print("watching: " + (s.watching.isEmpty ? "no folders" : s.watching.joined(separator: ", ")))
            if let m = s.mode { print("mode: \(m.rawValue)") }
        case .modelReload(let m):
            print("model: " + modelLine(m))
        case .said, .stopped, .subscribed:
            break
        case .repeated(let text):
            print(text)
        case .history(let entries):
            if entries.isEmpty { print("No descriptions yet.") }
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd HH:mm:ss"
            for e in entries {
                print("\(f.string(from: Date(timeIntervalSince1970: e.time)))  \(TerminalText.escaped(e.photo ?? "-")): \(TerminalText.escaped(e.text))")
            }
        case .voice(let v):
            print("rate \(v.rate), pitch \(v.pitch), volume \(v.volume), voice \(v.voice)" + (v.output.map { ", output \($0)" } ?? ""))
        case .event(let e):
            printEvent(e)
        // MARK: - voice
        case .outputs(let outputs):
            OutputsCommand.print(outputs)
        case .reading(let r):
            ReadingClient.show(r)
        case .productsImported(let r):
            ProductsClient.show(r)
        case .mode(let m): print(m.rawValue)
        case .labelled(let l): print(l.spoken)
        case .forgotten(let f):
            print(ForgetCommand.sentence(f))
        }
        return .ok
    }

    /// `loaded NAME (REPO at COMMIT) from DIR`, `loading DIR (still using NAME)`, or the problem.
    static func modelLine(_ m: ModelStatus) -> String {
        var text: String
        if m.loaded {
            let origin = m.repo.map { " (\($0)" + (m.commit.map { " at \($0.prefix(12))" } ?? "") + ")" } ?? ""
            text = "loaded \(m.name ?? "model")\(origin) from \(m.path)"
            if let problem = m.problem { text += "; \(problem)" }
        } else {
            text = m.problem ?? "not loaded"
        }
        if m.state == .loading {
            text = "loading \(m.loadingPath ?? "a new model")" + (m.loaded ? "; meanwhile " + text : "")
        }
        return text
    }

    static func printEvent(_ e: Event) {
        var line = e.kind.rawValue
        if let p = e.photo { line += " \(TerminalText.escaped(p))" }
        if let t = e.text { line += ": \(TerminalText.escaped(t))" }
        if let err = e.error { line += ": \(TerminalText.escaped(err))" }
        print(line)
        fflush(nil)
    }

    /// `assist events`: prints events until the daemon closes the connection.
    static func follow(_ c: FrameConnection, json: Bool, path: String) throws -> ExitCode {
        fflush(nil)
        while true {
            let r: Response
            do { r = try c.receive(timeout: 365 * 86400) } catch UnixSocketError.closed {
                say("assistd closed the event stream.")
                return .ok
            }
            if json {
                printJSON(r)
                fflush(nil)
            } else if case .event(let e) = r.body {
                printEvent(e)
            }
        }
    }
}

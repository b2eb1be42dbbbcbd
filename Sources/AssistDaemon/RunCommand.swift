import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `assistd run`: the long-running service, in the foreground as systemd expects.
enum RunCommand {
    static let usage = """
    usage: assistd run [--config FILE] [--watch DIR]... [--socket PATH] [--socket-group GROUP]
                       [--model DIR | --models DIR] [--speech device|wav:DIR|none] [--state-dir DIR]
                       [--set KEY=VALUE]...

    Watches folders and a Unix socket, captions each photo once and speaks it.
    Settings come from /etc/assist/assistd.conf, then $XDG_CONFIG_HOME/assist/assistd.conf
    (or only --config FILE), then these flags. Keys are listed in docs/daemon.md.
    The model is --model DIR, else the one `assist model use` selected in the models directory
    (--models, default $XDG_DATA_HOME/assist/models); a new selection is loaded without a restart.
    Signals: SIGTERM/SIGINT stop after the current job; SIGHUP reloads the config.
    """

    /// Seconds SIGTERM waits for the current inference before abandoning it (it is then redone).
    static let shutdownGrace = 20.0

    static func main(_ args: [String]) -> Int32 {
        if args.contains("-h") || args.contains("--help") {
            print(usage)
            return 0
        }
        let flags: DaemonConfig.Flags
        let config: DaemonConfig
        do {
            flags = try DaemonConfig.Flags(args)
            config = try DaemonConfig.load(flags: flags)
        } catch {
            FileHandle.standardError.write(Data("assistd run: \(error)\n\(usage)\n".utf8))
            return 2
        }
        Log.shared.level = config.logLevel
        // A client that vanishes must cost an EPIPE, never the process.
        signal(SIGPIPE, SIG_IGN)

        let daemon: Daemon
        do { daemon = try Daemon(config: config, flags: flags) } catch {
            logError("assistd", "cannot start", ["reason": "\(error)"])
            return 1
        }

        // Signals are turned into queue events by DispatchSource (signalfd-like), so no work runs
        // inside a signal handler.
        var sources: [DispatchSourceSignal] = []
        let main = DispatchQueue.main
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: main)
            s.setEventHandler {
                logInfo("assistd", "signal received", ["signal": sig == SIGTERM ? "TERM" : "INT"])
                // Shutting down off the main queue keeps a second signal from queueing behind it.
                Thread.detachNewThread {
                    daemon.shutdown(grace: shutdownGrace)
                    exit(0)
                }
            }
            s.resume()
            sources.append(s)
        }
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: main)
        hup.setEventHandler {
            logInfo("assistd", "signal received; reloading config", ["signal": "HUP"])
            daemon.reload()
        }
        hup.resume()
        sources.append(hup)
        // Started only once the signals are handled: a client may send SIGHUP or SIGTERM as soon as
        // the socket answers, and the default action of either would kill the daemon.
        do { try daemon.start() } catch {
            logError("assistd", "cannot start", ["reason": "\(error)"])
            return 1
        }
        withExtendedLifetime(sources) { dispatchMain() }
    }
}

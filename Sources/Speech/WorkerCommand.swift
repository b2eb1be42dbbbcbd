/// How to start a synthesis worker process: an executable that calls `SpeechWorker.main` at once,
/// e.g. `WorkerCommand(executable: "/usr/bin/assistd", arguments: ["speech-worker"])`.
///
/// The Speech module does not know which program hosts it, so the host names itself here. The
/// worker gets its socket as descriptor 3 (`SpeechWorker.socketDescriptor`), stdin and stdout on
/// /dev/null, and the speaker's stderr.
public struct WorkerCommand: Sendable, Equatable {
    /// Absolute path of the executable (no PATH search).
    public var executable: String
    /// Arguments after argv[0] (argv[0] is `executable`).
    public var arguments: [String]
    /// Variables added to (or replacing those of) the speaker's environment.
    public var environment: [String: String]

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
    }
}

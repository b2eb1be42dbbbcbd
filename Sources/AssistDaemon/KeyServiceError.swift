/// Why the key service could not start.
enum KeyServiceError: Error, CustomStringConvertible {
    case cannotStart(reason: String)

    var description: String {
        switch self {
        case .cannotStart(let reason): return "input_devices: cannot read key devices: \(reason)"
        }
    }
}

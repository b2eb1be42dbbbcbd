import Foundation

/// Turns messages into frames and back, checking the protocol version first so a peer that
/// speaks another version gets a clear error rather than a confusing field error.
public enum Wire {
    private struct Envelope: Decodable {
        var v: Int?
        var id: UInt64?
    }

    public static func frame(_ request: Request, attachment: Data = Data()) -> Frame {
        Frame(json: encodeJSON(request), attachment: attachment)
    }

    public static func frame(_ response: Response) -> Frame {
        Frame(json: encodeJSON(response))
    }

    /// A request that could not be decoded: the error, and the request id if it could be read.
    public struct RequestFailure: Error, Equatable {
        public var id: UInt64
        public var error: RemoteError
    }

    /// Decodes a request, checking the version before anything else.
    public static func decodeRequest(_ frame: Frame) -> Result<Request, RequestFailure> {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: frame.json)
        } catch {
            return .failure(RequestFailure(id: 0, error: RemoteError(.badRequest, "request is not a JSON object: \(describe(error))")))
        }
        let id = envelope.id ?? 0
        guard let v = envelope.v else {
            return .failure(RequestFailure(id: id, error: RemoteError(.badRequest, "request has no protocol version field 'v'")))
        }
        guard v == ProtocolVersion.current else {
            return .failure(RequestFailure(id: id, error: RemoteError(.unsupportedVersion,
                "request uses protocol version \(v); this daemon speaks version \(ProtocolVersion.current)")))
        }
        do {
            return .success(try JSONDecoder().decode(Request.self, from: frame.json))
        } catch {
            return .failure(RequestFailure(id: id, error: RemoteError(.badRequest, "malformed request: \(describe(error))")))
        }
    }

    /// Decodes a response; throws a `RemoteError` with code `bad_request` if it is malformed.
    public static func decodeResponse(_ frame: Frame) throws -> Response {
        let envelope = try? JSONDecoder().decode(Envelope.self, from: frame.json)
        if let v = envelope?.v, v != ProtocolVersion.current {
            throw RemoteError(.unsupportedVersion,
                "daemon speaks protocol version \(v); this client speaks version \(ProtocolVersion.current)")
        }
        do {
            return try JSONDecoder().decode(Response.self, from: frame.json)
        } catch {
            throw RemoteError(.badRequest, "malformed response from the daemon: \(describe(error))")
        }
    }

    static func encodeJSON<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(value)
        } catch {
            // Every message type encodes plain strings, numbers and arrays; failure is a bug.
            fatalError("cannot encode \(T.self): \(error)")
        }
    }

    /// A one-line description of a decoding error that names the field.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at '\(p)'"
        }
        switch e {
        case .keyNotFound(let key, let c): return "missing field '\(key.stringValue)'\(path(c))"
        case .typeMismatch(let t, let c): return "field\(path(c)) is not a \(t)"
        case .valueNotFound(let t, let c): return "field\(path(c)) is null, expected \(t)"
        case .dataCorrupted(let c): return "\(c.debugDescription)\(path(c))"
        @unknown default: return "\(e)"
        }
    }
}

import Foundation
import SystemSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET, run synchronously on the calling thread, that streams its body to a closure and
/// never follows a redirect itself: the hub's LFS redirect goes to another host, and the caller
/// must decide which headers (Range yes, Authorization no) go along.
///
/// URLSession calls the delegate on its own queue; each call hands its event (the response, a
/// piece of the body, the end) to the calling thread and waits for the answer, so the caller's
/// callbacks run on the caller's thread, one at a time, and may use its local state.
final class HTTPRequest: NSObject, URLSessionDataDelegate, Sendable {
    struct Response: Sendable {
        var status: Int
        /// Header names lower-cased.
        var headers: [String: String]
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// What to do with the body once the status and headers are known.
    enum BodyHandling { case stream, discard }

    private enum Event: Sendable {
        case response(Response)
        /// A response that is not HTTP (another URL scheme answered).
        case notHTTP
        case data(Data)
        /// The transfer ended; the error is the transport's (refused, dropped, idle timeout).
        case finished(URLError?)
    }

    /// The event waiting for the calling thread, and the answer it gave (true: go on).
    private struct Handoff {
        var event: Event?
        var proceed = true
    }

    private let request: URLRequest
    private let idleTimeout: TimeInterval
    private let handoff = Locked(Handoff())
    private let eventReady = DispatchSemaphore(value: 0)
    private let answered = DispatchSemaphore(value: 0)

    init(url: URL, headers: [String: String], idleTimeout: TimeInterval) {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: idleTimeout)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        self.request = request
        self.idleTimeout = idleTimeout
    }

    /// Outcome of `run`: the response (nil when none arrived), an error thrown by a callback, or
    /// the transport's error (connection refused or dropped, idle timeout).
    struct Outcome {
        var response: Response?
        var callbackError: Error?
        var transportError: Error?
    }

    /// Runs the request. `onResponse` sees the status and headers before any body byte and says
    /// whether to stream the body into `onData`; a throw from either callback cancels the request
    /// and is returned as `callbackError`. Both run on the calling thread.
    func run(onResponse: (Response) throws -> BodyHandling, onData: (Data) throws -> Void) -> Outcome {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        // A model file can take hours on a slow link; only stalls (the idle timeout) end it.
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        session.dataTask(with: request).resume()

        var outcome = Outcome()
        var handling = BodyHandling.discard
        events: while true {
            eventReady.wait()
            let event = handoff.withLock { $0.event }
            var proceed = true
            switch event {
            case .response(let response)?:
                outcome.response = response
                do { handling = try onResponse(response) } catch {
                    outcome.callbackError = error
                    proceed = false
                }
            case .notHTTP?:
                outcome.callbackError = ModelStoreError.network(url: request.url?.absoluteString ?? "?", reason: "not an HTTP response")
                proceed = false
            case .data(let data)?:
                if outcome.callbackError == nil, handling == .stream {
                    do { try onData(data) } catch {
                        outcome.callbackError = error
                        proceed = false
                    }
                }
            case .finished(let error)?:
                if outcome.callbackError == nil { outcome.transportError = error }
                break events
            case nil:
                continue
            }
            handoff.withLock {
                $0.event = nil
                $0.proceed = proceed
            }
            answered.signal()
        }
        session.finishTasksAndInvalidate()
        return outcome
    }

    /// Hands `event` to the calling thread and waits for its answer (true: go on).
    private func deliver(_ event: Event) -> Bool {
        handoff.withLock { $0.event = event }
        eventReady.signal()
        answered.wait()
        return handoff.withLock { $0.proceed }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive urlResponse: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = urlResponse as? HTTPURLResponse else {
            _ = deliver(.notHTTP)
            completionHandler(.cancel)
            return
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        let proceed = deliver(.response(Response(status: http.statusCode, headers: headers)))
        completionHandler(proceed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if !deliver(.data(data)) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        // The run loop ends with this event and answers nothing more.
        handoff.withLock { $0.event = .finished(error.map(Self.transportError)) }
        eventReady.signal()
    }

    /// The transport's error as a value that can cross to the calling thread, keeping its code
    /// (the idle timeout is `.timedOut`) and its message.
    private static func transportError(_ error: Error) -> URLError {
        if let urlError = error as? URLError { return urlError }
        let ns = error as NSError
        let code = ns.domain == NSURLErrorDomain ? URLError.Code(rawValue: ns.code) : nil
        return URLError(code ?? .unknown,
                        userInfo: [NSLocalizedDescriptionKey: ns.localizedDescription])
    }
}

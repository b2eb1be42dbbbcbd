import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP GET, run synchronously on the calling thread, that streams its body to a closure and
/// never follows a redirect itself: the hub's LFS redirect goes to another host, and the caller
/// must decide which headers (Range yes, Authorization no) go along.
final class HTTPRequest: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Response {
        var status: Int
        /// Header names lower-cased.
        var headers: [String: String]
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// What to do with the body once the status and headers are known.
    enum BodyHandling { case stream, discard }

    private let request: URLRequest
    private let idleTimeout: TimeInterval
    private var onResponse: ((Response) throws -> BodyHandling)?
    private var onData: ((Data) throws -> Void)?
    // Touched only on the session's serial delegate queue until `done` is signalled.
    private var response: Response?
    private var handling = BodyHandling.discard
    private var callbackError: Error?
    private var transportError: Error?
    private let done = DispatchSemaphore(value: 0)

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
    /// and is returned as `callbackError`.
    func run(onResponse: @escaping (Response) throws -> BodyHandling,
             onData: @escaping (Data) throws -> Void) -> Outcome {
        self.onResponse = onResponse
        self.onData = onData
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        // A model file can take hours on a slow link; only stalls (the idle timeout) end it.
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        let task = session.dataTask(with: request)
        task.resume()
        done.wait()
        session.finishTasksAndInvalidate()
        self.onResponse = nil
        self.onData = nil
        return Outcome(response: response, callbackError: callbackError, transportError: transportError)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive urlResponse: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = urlResponse as? HTTPURLResponse else {
            callbackError = ModelStoreError.network(url: request.url?.absoluteString ?? "?", reason: "not an HTTP response")
            completionHandler(.cancel)
            return
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        let response = Response(status: http.statusCode, headers: headers)
        self.response = response
        do {
            handling = try onResponse?(response) ?? .discard
            completionHandler(.allow)
        } catch {
            callbackError = error
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard callbackError == nil, handling == .stream else { return }
        do {
            try onData?(data)
        } catch {
            callbackError = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if callbackError == nil { transportError = error }
        done.signal()
    }
}
